# mmaudit.mk - build mmaudit inside crash's own extensions/ directory.
#
# crash's extensions/Makefile builds every X.c there into X.so, and hands the
# build to X.mk when that file exists.  Drop-in use, from the mmaudit tree:
#
#     make dropin CRASH_SRC=/path/to/crash      # copies the files below
#     cd /path/to/crash && make extensions      # builds extensions/mmaudit.so
#
# which places mmaudit.c and this file in crash's extensions/, the rest of the
# crash glue in extensions/mmaudit-glue/ (not at top level, where crash's
# Makefile would try to build each .c as an extension of its own) and the
# crash-free core in extensions/mmaudit-core/.  TARGET, TARGET_CFLAGS and
# GDB_FLAGS come from crash's top-level Makefile.
MMAUDIT_CORE ?= mmaudit-core
MMAUDIT_GLUE ?= mmaudit-glue
# the crash version this build is for (crash's configure writes the same
# string into build_version): the extension refuses to load into another
CRASH_VERSION ?= $(shell cat ../.rh_rpm_package 2>/dev/null)
ABI_FLAGS = $(if $(CRASH_VERSION),-DMMAUDIT_CRASH_VERSION='"$(CRASH_VERSION)"')
SRCS := mmaudit.c $(wildcard $(MMAUDIT_GLUE)/*.c) $(wildcard $(MMAUDIT_CORE)/*.c)

mmaudit.so: $(SRCS) $(wildcard $(MMAUDIT_CORE)/*.h $(MMAUDIT_GLUE)/*.h) defs.h
	gcc -Wall -Wextra -O2 -g -shared -rdynamic -fPIC -D$(TARGET) $(TARGET_CFLAGS) \
	    $(GDB_FLAGS) $(ABI_FLAGS) -I. -I$(MMAUDIT_GLUE) -I$(MMAUDIT_CORE) -Wl,-soname,mmaudit.so -o $@ $(SRCS)

clean:
	rm -f mmaudit.so
