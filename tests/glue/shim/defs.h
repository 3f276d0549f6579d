/*
 * defs.h shim for test_mmslab.c, which compiles two glue files into one
 * unit: crash's defs.h has no include guard, so guard it here.  Put this
 * directory first on the include path, crash's source tree after it.
 */
#ifndef MMGTEST_CRASH_DEFS_H
#define MMGTEST_CRASH_DEFS_H
#include_next "defs.h"
#endif
