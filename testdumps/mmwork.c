/*
 * mmwork - static guest workload for the mmaudit test vmcores.
 *
 * Runs as PID 1 of a busybox initramfs (exec'd by /init).  Builds a fixed
 * set of processes whose mm relationships are known by construction, waits
 * until all of them are set up and the task set is stable, writes a JSON
 * manifest to the serial console between marker lines and then either
 * panics the kernel (mmwork.mode=panic, sysrq-c) or keeps running
 * (mmwork.mode=live; the host stops the guest through QMP).
 *
 * Parameters (kernel command line, all optional):
 *   mmwork.mode=live|panic     default live
 *   mmwork.procs=N             multi-threaded processes (mmw-threads), default 1
 *   mmwork.threads=T           threads per such process incl. leader, default 16
 *   mmwork.singles=S           extra plain single-threaded sleepers, default 2
 *   mmwork.spinners=K          spinners, default: one per online CPU
 *   mmwork.online=LIST         CPUs to bring online first, e.g. 66 or 64-65,70
 *   mmwork.pincpu=C            pin thread 1 of the first mmw-threads process
 *                              (a periodic ticker) to CPU C
 *   mmwork.settle=MS           max time to wait for a stable task count, default 8000
 *   mmwork.stack=BYTES         pthread stack size, default 65536
 *   mmwork.maxthreads=N        raise kernel.threads-max to N first (big workloads)
 *   mmwork.offline=LIST        CPUs to take offline once the workload runs
 *   mmwork.scenario=NAME       a scenario state made by the kernel (most of them
 *                              through the test module /lib/modules/mmstate.ko):
 *                              kthread_use_mm leak_grab leak_get extra_mmdrop
 *                              bit_clear leaked_lazy hotplug stuck_flush busy_flush
 *                              extra_mmput missed_flush
 *   mmwork.count=N             references leaked by leak_grab / leak_get, default 3
 *
 * See testdumps/README.md for the workload shape and the manifest schema.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 1024

/* ---------------------------------------------------------------- params */

static struct {
    char mode[16];
    int procs, threads, singles, spinners, pincpu, settle_ms;
    long stack, maxthreads;
    char online[256];
    char offline[256], scenario[32];
    int count;
} P = { "live", 1, 16, 2, -1, -1, 8000, 65536, 0, "", "", "", 3 };

enum role { R_INIT, R_THREADS, R_VMA, R_VMB, R_VFORK, R_SPIN, R_ZOMBIE, R_MEMHOLD, R_SINGLE,
            R_FLUSH, R_CHURN, R_NROLES };
static const char *role_name[R_NROLES] = {
    "init", "threads", "vmA", "vmB", "vfork", "spinner", "zombie", "memhold", "single",
    "flush", "churn"
};

/* message a workload task sends on the ready pipe once it is set up */
struct ready { int32_t role, index, pid, tid; };
static int ready_pipe[2];

/* what PID 1 knows about each workload process (by construction) */
struct proc {
    enum role role;
    int index, pid, mm_group, cpu;   /* cpu: pinned CPU or -1 */
    const char *kind;                /* spinner kind, or NULL */
    int pinned_tid, pinned_cpu;      /* a pinned thread inside a threads process */
};
static struct proc *procs;
static int nprocs, cap_procs, next_mm_group;

static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mmwork: FATAL: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (errno %d)\n", errno);
    fflush(stderr);
    /* a scenario that cannot be set up ends the boot at once: PID 1 exits,
     * the kernel panics and the host sees it; otherwise the host times out */
    if (P.scenario[0] && getpid() == 1)
        exit(1);
    for (;;)           /* PID 1 must not exit: the host times out instead */
        pause();
}

static void msg(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mmwork: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static struct proc *add_proc(enum role role, int index, int pid, int mm_group)
{
    if (nprocs == cap_procs) {
        cap_procs = cap_procs ? 2 * cap_procs : 64;
        procs = realloc(procs, cap_procs * sizeof(*procs));
        if (!procs)
            die("out of memory");
    }
    struct proc *p = &procs[nprocs++];
    memset(p, 0, sizeof(*p));
    p->role = role;
    p->index = index;
    p->pid = pid;
    p->mm_group = mm_group;
    p->cpu = -1;
    p->pinned_tid = p->pinned_cpu = -1;
    return p;
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t r = read(fd, buf + n, size - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += r;
    }
    close(fd);
    buf[n] = 0;
    return n;
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return r == (ssize_t)strlen(s) ? 0 : -1;
}

static void parse_cmdline(void)
{
    char buf[4096];
    if (read_file("/proc/cmdline", buf, sizeof buf) < 0)
        die("cannot read /proc/cmdline");
    for (char *tok = strtok(buf, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
        if (strncmp(tok, "mmwork.", 7))
            continue;
        char *key = tok + 7, *val = strchr(key, '=');
        if (!val)
            continue;
        *val++ = 0;
        if (!strcmp(key, "mode"))
            snprintf(P.mode, sizeof P.mode, "%s", val);
        else if (!strcmp(key, "procs"))
            P.procs = atoi(val);
        else if (!strcmp(key, "threads"))
            P.threads = atoi(val);
        else if (!strcmp(key, "singles"))
            P.singles = atoi(val);
        else if (!strcmp(key, "spinners"))
            P.spinners = atoi(val);
        else if (!strcmp(key, "online"))
            snprintf(P.online, sizeof P.online, "%s", val);
        else if (!strcmp(key, "pincpu"))
            P.pincpu = atoi(val);
        else if (!strcmp(key, "settle"))
            P.settle_ms = atoi(val);
        else if (!strcmp(key, "stack"))
            P.stack = atol(val);
        else if (!strcmp(key, "maxthreads"))
            P.maxthreads = atol(val);
        else if (!strcmp(key, "offline"))
            snprintf(P.offline, sizeof P.offline, "%s", val);
        else if (!strcmp(key, "scenario"))
            snprintf(P.scenario, sizeof P.scenario, "%s", val);
        else if (!strcmp(key, "count"))
            P.count = atoi(val);
        else
            msg("unknown parameter mmwork.%s", key);
    }
    if (strcmp(P.mode, "live") && strcmp(P.mode, "panic"))
        die("bad mmwork.mode=%s", P.mode);
    if (P.threads < 1)
        P.threads = 1;
    if (P.procs < 0)
        P.procs = 0;
}

/* parse a kernel CPU list ("0-3,66") into a flag array; returns the count */
static int parse_cpulist(const char *s, unsigned char *set)
{
    int n = 0;
    memset(set, 0, MAX_CPUS);
    while (*s) {
        while (*s == ',' || isspace((unsigned char)*s))
            s++;
        if (!isdigit((unsigned char)*s))
            break;
        char *end;
        long a = strtol(s, &end, 10), b = a;
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            s = end;
        }
        for (long c = a; c <= b && c < MAX_CPUS; c++)
            if (c >= 0 && !set[c]) {
                set[c] = 1;
                n++;
            }
    }
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------- workload tasks */

/* Async-signal-safe-ish helpers only below this line in tasks that share an
 * mm with another task (vmA/vmB/vfork): write(), prctl(), pause(), syscalls. */

static void set_comm(const char *name)
{
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

static void send_ready(enum role role, int index)
{
    struct ready r = { role, index, getpid(), gettid() };
    while (write(ready_pipe[1], &r, sizeof r) < 0 && errno == EINTR)
        ;
}

static void sleep_forever(void)
{
    for (;;)
        pause();
}

static int pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

/* spin for about `us` microseconds */
static void spin_us(long us)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        for (volatile int i = 0; i < 1000; i++)
            ;
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

/* -- mmw-threads: 1 leader + (threads-1) sleeping pthreads */
struct thr_arg { int index, n, pin; };

static void *thread_main(void *v)
{
    struct thr_arg *a = v;
    char name[16];
    snprintf(name, sizeof name, "mmw-thr%d", a->n);
    set_comm(name);
    if (a->pin >= 0) {
        if (pin_self(a->pin))
            msg("thread %d: cannot pin to cpu %d: %s", a->n, a->pin, strerror(errno));
        send_ready(R_THREADS, a->index);
        for (;;) {           /* ticker: wakes up periodically on its CPU */
            spin_us(2000);
            sleep_ms(30);
        }
    }
    send_ready(R_THREADS, a->index);
    sleep_forever();
    return NULL;
}

static void threads_proc(int index, int pin)
{
    set_comm("mmw-threads");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, P.stack);
    for (int n = 1; n < P.threads; n++) {
        struct thr_arg *a = malloc(sizeof *a);
        a->index = index;
        a->n = n;
        a->pin = (n == 1) ? pin : -1;
        pthread_t t;
        int e = pthread_create(&t, &attr, thread_main, a);
        if (e) {
            errno = e;
            die("pthread_create");
        }
    }
    send_ready(R_THREADS, index);
    sleep_forever();
}

/* -- CLONE_VM family: A --clone(CLONE_VM)--> B --clone(CLONE_VM|CLONE_VFORK)--> C */
static char stack_b[256 * 1024] __attribute__((aligned(64)));
static char stack_c[256 * 1024] __attribute__((aligned(64)));

static int vfork_child_c(void *arg)
{
    (void)arg;
    set_comm("mmw-vfork");
    send_ready(R_VFORK, 0);
    sleep_forever();           /* never execs nor exits: B stays in vfork */
    return 0;
}

static int clone_vm_b(void *arg)
{
    (void)arg;
    set_comm("mmw-vmB");
    send_ready(R_VMB, 0);
    /* blocks B until C exits or execs, i.e. forever */
    int c = clone(vfork_child_c, stack_c + sizeof stack_c,
                  CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    if (c < 0) {
        static const char m[] = "mmwork: vmB: vfork clone failed\n";
        if (write(2, m, sizeof m - 1) < 0) {}
    }
    sleep_forever();
    return 0;
}

static void vm_a_proc(void)
{
    set_comm("mmw-vmA");
    int b = clone(clone_vm_b, stack_b + sizeof stack_b, CLONE_VM | SIGCHLD, NULL);
    if (b < 0)
        die("clone(CLONE_VM)");
    send_ready(R_VMA, 0);
    sleep_forever();
}

/* -- spinners */
static void spinner_proc(int index, int cpu, int pure)
{
    char name[16];
    snprintf(name, sizeof name, "mmw-spin%d", index);
    set_comm(name);
    if (cpu >= 0 && pin_self(cpu))
        msg("%s: cannot pin to cpu %d: %s", name, cpu, strerror(errno));
    send_ready(R_SPIN, index);
    if (pure)
        for (;;)
            for (volatile unsigned long i = 0; i < 1000000UL; i++)
                ;
    for (;;) {              /* alternate: the idle task borrows our mm lazily */
        spin_us(5000);
        sleep_ms(5);
    }
}

/* -- the rest */
static void memhold_proc(void)
{
    set_comm("mmw-memhold");
    int fd = open("/proc/self/mem", O_RDONLY);   /* pins mm: mm_count + 1 */
    if (fd < 0)
        die("open /proc/self/mem");
    send_ready(R_MEMHOLD, 0);
    sleep_forever();
}

static void single_proc(int index)
{
    char name[16];
    snprintf(name, sizeof name, "mmw-single%d", index);
    set_comm(name);
    send_ready(R_SINGLE, index);
    sleep_forever();
}

static void zombie_proc(void)
{
    set_comm("mmw-zombie");
    send_ready(R_ZOMBIE, 0);
    _exit(0);
}

/* -- stuck_flush: mmw-flush, whose thread mmw-munmap (pinned to flush_cpu)
 * populates FLUSH_LEN bytes at FLUSH_ADDR and munmaps them when PID 1 writes
 * to go_pipe; shared[0] is set just before munmap(), shared[1] after it */
#define FLUSH_ADDR 0x7e0000000000UL
#define FLUSH_LEN (64 * 4096UL)
static int go_pipe[2] = { -1, -1 };
static volatile int *shared;
static int flush_cpu = -1;

static void *munmap_thread(void *v)
{
    (void)v;
    set_comm("mmw-munmap");
    if (flush_cpu >= 0 && pin_self(flush_cpu))
        msg("mmw-munmap: cannot pin to cpu %d: %s", flush_cpu, strerror(errno));
    char *p = mmap((void *)FLUSH_ADDR, FLUSH_LEN, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE, -1, 0);
    if (p != (char *)FLUSH_ADDR)
        die("mmw-munmap: mmap at %#lx", FLUSH_ADDR);
    memset(p, 0x5a, FLUSH_LEN);
    send_ready(R_FLUSH, 0);
    char c;
    while (read(go_pipe[0], &c, 1) < 0 && errno == EINTR)
        ;
    shared[0] = 1;
    munmap(p, FLUSH_LEN);          /* TLB shootdown to the other CPUs of the mm */
    shared[1] = 1;
    sleep_forever();
    return NULL;
}

static void flush_proc(void)
{
    set_comm("mmw-flush");
    pthread_t t;
    int e = pthread_create(&t, NULL, munmap_thread, NULL);
    if (e) {
        errno = e;
        die("pthread_create");
    }
    send_ready(R_FLUSH, 0);
    sleep_forever();
}

/* -- busy_flush: mmw-churn, one thread per online CPU (pinned) mapping,
 * touching, mprotecting and unmapping memory in a loop: TLB shootdowns
 * all the time on every CPU */
static int churn_cpus[MAX_CPUS], nchurn;

static void *churn_thread(void *v)
{
    int n = (int)(long)v;
    char name[16];
    snprintf(name, sizeof name, "mmw-churn%d", n);
    set_comm(name);
    if (pin_self(churn_cpus[n]))
        msg("%s: cannot pin to cpu %d: %s", name, churn_cpus[n], strerror(errno));
    send_ready(R_CHURN, 0);
    const size_t len = 16 * 4096;
    for (unsigned long i = 0;; i++) {
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            continue;
        memset(p, (int)i, len);
        mprotect(p, len, PROT_READ);
        mprotect(p, len, PROT_READ | PROT_WRITE);
        p[len / 2] = 1;
        munmap(p, len);
    }
    return NULL;
}

static void churn_proc(void)
{
    set_comm("mmw-churn");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, P.stack);
    for (int n = 0; n < nchurn; n++) {
        pthread_t t;
        int e = pthread_create(&t, &attr, churn_thread, (void *)(long)n);
        if (e) {
            errno = e;
            die("pthread_create");
        }
    }
    send_ready(R_CHURN, 0);
    sleep_forever();
}

static int spawn(void (*fn)(void))
{
    int pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(ready_pipe[0]);
        fn();
        _exit(0);
    }
    return pid;
}

/* fork with arguments: tiny trampoline through globals (set before fork) */
static int g_index, g_cpu, g_pure, g_pin;
static void t_threads(void) { threads_proc(g_index, g_pin); }
static void t_spinner(void) { spinner_proc(g_index, g_cpu, g_pure); }
static void t_single(void)  { single_proc(g_index); }

/* ------------------------------------------------------- /proc scanning */

struct pstat { char state; int ppid; char comm[64]; };

static int read_stat(const char *path, struct pstat *st)
{
    char buf[1024];
    if (read_file(path, buf, sizeof buf) <= 0)
        return -1;
    char *l = strchr(buf, '('), *r = strrchr(buf, ')');
    if (!l || !r || r < l)
        return -1;
    size_t n = r - l - 1;
    if (n >= sizeof st->comm)
        n = sizeof st->comm - 1;
    memcpy(st->comm, l + 1, n);
    st->comm[n] = 0;
    if (sscanf(r + 2, "%c %d", &st->state, &st->ppid) != 2)
        return -1;
    return 0;
}

static int is_num(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* tids of a thread group, sorted; returns count (caller frees *out) */
static int list_tids(int pid, int **out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    int n = 0, cap = 16, *v = malloc(cap * sizeof *v);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!is_num(e->d_name))
                continue;
            if (n == cap)
                v = realloc(v, (cap *= 2) * sizeof *v);
            v[n++] = atoi(e->d_name);
        }
        closedir(d);
    }
    qsort(v, n, sizeof *v, cmp_int);
    *out = v;
    return n;
}

struct counts { int tasks, groups, kthreads, ktasks; };

static struct counts count_tasks(void)
{
    struct counts c = { 0, 0, 0, 0 };
    DIR *d = opendir("/proc");
    if (!d)
        die("opendir /proc");
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_num(e->d_name))
            continue;
        int pid = atoi(e->d_name), *tids;
        int n = list_tids(pid, &tids);
        free(tids);
        if (n == 0)
            continue;          /* raced with exit */
        char path[64];
        struct pstat st;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        int kernel = read_stat(path, &st) == 0 && (pid == 2 || st.ppid == 2);
        c.tasks += n;
        c.groups++;
        if (kernel) {
            c.kthreads++;
            c.ktasks += n;
        }
    }
    closedir(d);
    return c;
}

/* ----------------------------------------------------------- scenarios */

static void trim(char *s);

/* what the scenario did, for the manifest (all set by PID 1) */
static struct {
    struct proc *target;        /* the process whose mm is used, or NULL */
    int cpu;                    /* bit_clear: the CPU; stuck_flush: the spinning CPU */
    char params[256];           /* module parameters, "" if no module */
    char report[512];           /* /sys/module/mmstate/parameters/report */
    char offlined[256];         /* CPUs taken offline */
    int munmap_tid, munmap_started, munmap_returned;
    char munmap_state;
} S = { NULL, -1, "", "", "", -1, 0, 0, '?' };

static struct proc *find_proc(enum role role, int index)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i].role == role && procs[i].index == index)
            return &procs[i];
    return NULL;
}

static const char *mod_path = "/lib/modules/mmstate.ko";

static void load_mmstate(void)
{
    int fd = open(mod_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("open %s", mod_path);
    if (syscall(SYS_finit_module, fd, S.params, 0))
        die("finit_module %s %s", mod_path, S.params);
    close(fd);
    msg("mmstate loaded: %s", S.params);
}

static void read_report(void)
{
    read_file("/sys/module/mmstate/parameters/report", S.report, sizeof S.report);
    trim(S.report);
    msg("mmstate: %s", S.report);
    if (strstr(S.report, "error="))
        die("mmstate reports an error: %s", S.report);
}

/* route the serial console's interrupt to `cpu`: the console transmits
 * from its interrupt, and a CPU held with interrupts off would stall the
 * manifest (seen with stuck_flush: the guest hung until the host timed out) */
static void serial_irq_to(int cpu)
{
    char buf[16384], path[64], v[16];
    if (read_file("/proc/interrupts", buf, sizeof buf) <= 0)
        return;
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        if (!strstr(l, "ttyS0"))
            continue;
        int irq = atoi(l);
        snprintf(path, sizeof path, "/proc/irq/%d/smp_affinity_list", irq);
        snprintf(v, sizeof v, "%d", cpu);
        if (write_file(path, v))
            msg("cannot route irq %d (ttyS0) to cpu %d: %s", irq, cpu, strerror(errno));
        else
            msg("irq %d (ttyS0) routed to cpu %d", irq, cpu);
    }
}

/* pin PID 1, and the console's interrupt, to the highest online CPU that
 * is not `a` nor `b` */
static void pin_away(const int *ocpus, int no, int a, int b)
{
    for (int i = no - 1; i >= 0; i--)
        if (ocpus[i] != a && ocpus[i] != b) {
            if (pin_self(ocpus[i]))
                msg("cannot pin PID 1 to cpu %d: %s", ocpus[i], strerror(errno));
            serial_irq_to(ocpus[i]);
            sleep_ms(50);
            return;
        }
}

static void set_cpus_online(const char *list, const char *val, char *done, size_t size)
{
    unsigned char want[MAX_CPUS];
    parse_cpulist(list, want);
    for (int c = 0; c < MAX_CPUS; c++) {
        if (!want[c])
            continue;
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/online", c);
        if (write_file(path, val)) {
            msg("cannot set cpu%d online=%s: %s", c, val, strerror(errno));
            continue;
        }
        msg("cpu%d online=%s", c, val);
        if (done) {
            size_t n = strlen(done);
            snprintf(done + n, size - n, "%s%d", n ? "," : "", c);
        }
    }
}

/* after every workload task is ready, before the task count settles */
static void scenario_setup(const int *ocpus, int no)
{
    const char *sc = P.scenario;
    if (P.offline[0])
        set_cpus_online(P.offline, "0", S.offlined, sizeof S.offlined);
    if (!sc[0] || !strcmp(sc, "hotplug") || !strcmp(sc, "busy_flush"))
        return;
    if (!strcmp(sc, "bit_clear") || !strcmp(sc, "missed_flush")) {
        S.target = find_proc(R_SPIN, P.spinners - 1);     /* the pure spinner */
        if (!S.target || S.target->cpu < 0)
            die("%s needs a pinned pure spinner", sc);
        S.cpu = S.target->cpu;
        snprintf(S.params, sizeof S.params, "scenario=%s pid=%d cpu=%d hold_ms=15000",
                 sc, S.target->pid, S.cpu);
    } else if (!strcmp(sc, "extra_mmput")) {
        S.target = find_proc(R_THREADS, 0);
        if (!S.target)
            die("extra_mmput needs the threads process");
        snprintf(S.params, sizeof S.params, "scenario=%s pid=%d", sc, S.target->pid);
    } else if (!strcmp(sc, "stuck_flush")) {
        S.target = find_proc(R_FLUSH, 0);
        if (!S.target || no < 3)
            die("stuck_flush needs mmw-flush and 3 online CPUs");
        S.cpu = ocpus[1];
        snprintf(S.params, sizeof S.params, "scenario=stuck_flush pid=%d cpu=%d hold_ms=120000",
                 S.target->pid, S.cpu);
    } else if (!strcmp(sc, "kthread_use_mm") || !strcmp(sc, "leak_grab") || !strcmp(sc, "leak_get") ||
               !strcmp(sc, "extra_mmdrop") || !strcmp(sc, "leaked_lazy")) {
        S.target = find_proc(R_SINGLE, 0);
        if (!S.target)
            die("%s needs mmw-single0", sc);
        snprintf(S.params, sizeof S.params, "scenario=%s pid=%d count=%d", sc, S.target->pid, P.count);
    } else {
        die("unknown scenario %s", sc);
    }
    load_mmstate();
    read_report();
}

/* the last step, right before the manifest (the host dumps once it sees it) */
static void scenario_arm(const int *ocpus, int no)
{
    const char *sc = P.scenario;
    if (!strcmp(sc, "extra_mmdrop") || !strcmp(sc, "bit_clear") || !strcmp(sc, "stuck_flush") ||
        !strcmp(sc, "extra_mmput") || !strcmp(sc, "missed_flush")) {
        pin_away(ocpus, no, S.cpu, flush_cpu);
        if (write_file("/sys/module/mmstate/parameters/arm", "1"))
            die("arm mmstate");
        read_report();
    }
    if (!strcmp(sc, "stuck_flush")) {
        struct proc *f = S.target;
        int *tids, n = list_tids(f->pid, &tids);
        for (int k = 0; k < n; k++) {
            char path[64];
            struct pstat ts;
            snprintf(path, sizeof path, "/proc/%d/task/%d/stat", f->pid, tids[k]);
            if (read_stat(path, &ts) == 0 && !strcmp(ts.comm, "mmw-munmap"))
                S.munmap_tid = tids[k];
        }
        free(tids);
        if (write(go_pipe[1], "g", 1) != 1)
            die("go pipe");
        sleep_ms(300);
        S.munmap_started = shared[0];
        S.munmap_returned = shared[1];
        if (S.munmap_tid > 0) {
            char path[64];
            struct pstat ts;
            snprintf(path, sizeof path, "/proc/%d/task/%d/stat", f->pid, S.munmap_tid);
            if (read_stat(path, &ts) == 0)
                S.munmap_state = ts.state;
        }
        msg("munmap thread %d: started %d returned %d state %c", S.munmap_tid,
            S.munmap_started, S.munmap_returned, S.munmap_state);
    }
}

/* ------------------------------------------------------------- output */

struct buf { char *p; size_t n, cap; };

static void bprintf(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->n) {
            b->n += k;
            return;
        }
        b->cap = b->cap ? 2 * b->cap + k : 65536;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            die("out of memory");
    }
}

static void bjstr(struct buf *b, const char *s)
{
    bprintf(b, "\"");
    for (; *s; s++) {
        unsigned char c = *s;
        if (c == '"' || c == '\\')
            bprintf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            bprintf(b, "\\u%04x", c);
        else
            bprintf(b, "%c", c);
    }
    bprintf(b, "\"");
}

static const char *state_name(char s)
{
    switch (s) {
    case 'R': return "running";
    case 'S': return "sleeping";
    case 'D': return "disk-sleep";
    case 'Z': return "zombie";
    case 'T': return "stopped";
    case 't': return "tracing-stop";
    case 'I': return "idle";
    case 'X': return "dead";
    default:  return "unknown";
    }
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
}

static void cpu_field(struct buf *b, const char *name, const char *file, int last)
{
    char path[128], list[1024];
    unsigned char set[MAX_CPUS];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/%s", file);
    if (read_file(path, list, sizeof list) < 0)
        list[0] = 0;
    trim(list);
    int n = parse_cpulist(list, set);
    bprintf(b, "    \"%s\": ", name);
    bjstr(b, list);
    bprintf(b, ", \"nr_%s\": %d,\n", name, n);
    if (last) {
        int maxc = -1;
        for (int c = 0; c < MAX_CPUS; c++)
            if (set[c])
                maxc = c;
        bprintf(b, "    \"nr_cpu_ids\": %d", maxc + 1);
    }
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        p += r;
        n -= r;
    }
}

/* "key=value" words of the module report as JSON members */
static void emit_report(struct buf *b, const char *report)
{
    char tmp[sizeof S.report];
    snprintf(tmp, sizeof tmp, "%s", report);
    int first = 1;
    for (char *w = strtok(tmp, " "); w; w = strtok(NULL, " ")) {
        char *v = strchr(w, '=');
        if (!v)
            continue;
        *v++ = 0;
        bprintf(b, "%s", first ? "" : ", ");
        first = 0;
        bjstr(b, w);
        bprintf(b, ": ");
        char *end;
        strtol(v, &end, 10);
        if (*v && !*end && (isdigit((unsigned char)v[0]) || v[0] == '-'))
            bprintf(b, "%s", v);
        else
            bjstr(b, v);
    }
}

static void emit_scenario(struct buf *b)
{
    bprintf(b, ",\n  \"scenario\": {\"name\": ");
    bjstr(b, P.scenario);
    bprintf(b, ", \"target\": ");
    if (S.target)
        bprintf(b, "{\"role\": \"%s\", \"index\": %d, \"pid\": %d, \"mm_group\": %d}",
                role_name[S.target->role], S.target->index, S.target->pid, S.target->mm_group);
    else
        bprintf(b, "null");
    bprintf(b, ", \"count\": %d, \"cpu\": ", P.count);
    if (S.cpu >= 0)
        bprintf(b, "%d", S.cpu);
    else
        bprintf(b, "null");
    bprintf(b, ", \"offlined\": ");
    bjstr(b, S.offlined);
    bprintf(b, ",\n    \"module_params\": ");
    bjstr(b, S.params);
    bprintf(b, ",\n    \"module\": {");
    emit_report(b, S.report);
    bprintf(b, "}");
    if (!strcmp(P.scenario, "stuck_flush"))
        bprintf(b, ",\n    \"munmap\": {\"tid\": %d, \"cpu\": %d, \"start\": \"%#lx\", \"end\": \"%#lx\", "
                "\"started\": %d, \"returned\": %d, \"state\": \"%s\"}",
                S.munmap_tid, flush_cpu, FLUSH_ADDR, FLUSH_ADDR + FLUSH_LEN, S.munmap_started,
                S.munmap_returned, state_name(S.munmap_state));
    bprintf(b, "}");
}

static void emit_manifest(struct counts c, double t_ready)
{
    struct buf b = { 0 };
    struct utsname u;
    uname(&u);
    char cmdline[4096];
    read_file("/proc/cmdline", cmdline, sizeof cmdline);
    trim(cmdline);

    bprintf(&b, "{\n  \"schema\": 1,\n  \"kernel_release\": ");
    bjstr(&b, u.release);
    bprintf(&b, ",\n  \"mode\": ");
    bjstr(&b, P.mode);
    bprintf(&b, ",\n  \"cmdline\": ");
    bjstr(&b, cmdline);
    bprintf(&b, ",\n  \"params\": {\"procs\": %d, \"threads\": %d, \"singles\": %d, "
            "\"spinners\": %d, \"online\": ", P.procs, P.threads, P.singles, P.spinners);
    bjstr(&b, P.online);
    bprintf(&b, ", \"pincpu\": %d},\n", P.pincpu);
    bprintf(&b, "  \"cpus\": {\n");
    cpu_field(&b, "online", "online", 0);
    cpu_field(&b, "present", "present", 0);
    cpu_field(&b, "possible", "possible", 1);
    bprintf(&b, "\n  },\n");
    bprintf(&b, "  \"tasks_total\": %d,\n  \"thread_groups_total\": %d,\n"
            "  \"kernel_thread_groups\": %d,\n  \"kernel_tasks\": %d,\n"
            "  \"user_tasks\": %d,\n  \"user_thread_groups\": %d,\n",
            c.tasks, c.groups, c.kthreads, c.ktasks, c.tasks - c.ktasks, c.groups - c.kthreads);
    bprintf(&b, "  \"mm_groups_total\": %d,\n", next_mm_group);
    bprintf(&b, "  \"setup_seconds\": %.3f,\n", t_ready);

    int user_tasks = 0, memhold_pid = -1, memhold_group = -1;
    bprintf(&b, "  \"processes\": [\n");
    for (int i = 0; i < nprocs; i++) {
        struct proc *p = &procs[i];
        char path[64];
        struct pstat st = { '?', 0, "" };
        snprintf(path, sizeof path, "/proc/%d/stat", p->pid);
        read_stat(path, &st);
        int *tids, n = list_tids(p->pid, &tids);
        user_tasks += n;
        bprintf(&b, "    {\"role\": \"%s\", \"index\": %d, \"pid\": %d, \"tgid\": %d, \"comm\": ",
                role_name[p->role], p->index, p->pid, p->pid);
        bjstr(&b, st.comm);
        bprintf(&b, ", \"threads\": %d, \"state\": \"%s\", \"mm_group\": ", n, state_name(st.state));
        if (p->mm_group < 0)
            bprintf(&b, "null");
        else
            bprintf(&b, "%d", p->mm_group);
        bprintf(&b, ", \"cpu\": ");
        if (p->cpu < 0)
            bprintf(&b, "null");
        else
            bprintf(&b, "%d", p->cpu);
        if (p->kind)
            bprintf(&b, ", \"kind\": \"%s\"", p->kind);
        if (p->pinned_tid >= 0 || (p->role == R_THREADS && p->pinned_cpu >= 0))
            bprintf(&b, ", \"pinned_thread\": {\"tid\": %d, \"cpu\": %d}", p->pinned_tid, p->pinned_cpu);
        bprintf(&b, ",\n      \"tids\": [");
        for (int k = 0; k < n; k++)
            bprintf(&b, "%s%d", k ? ", " : "", tids[k]);
        bprintf(&b, "]");
        if (n > 1) {
            bprintf(&b, ",\n      \"thread_comms\": [");
            for (int k = 0; k < n; k++) {
                struct pstat ts = { '?', 0, "" };
                snprintf(path, sizeof path, "/proc/%d/task/%d/stat", p->pid, tids[k]);
                read_stat(path, &ts);
                if (k)
                    bprintf(&b, ", ");
                bjstr(&b, ts.comm);
            }
            bprintf(&b, "]");
        }
        bprintf(&b, "}%s\n", i + 1 < nprocs ? "," : "");
        free(tids);
        if (p->role == R_MEMHOLD) {
            memhold_pid = p->pid;
            memhold_group = p->mm_group;
        }
    }
    bprintf(&b, "  ],\n");
    bprintf(&b, "  \"workload_tasks\": %d,\n  \"workload_processes\": %d,\n", user_tasks, nprocs);
    bprintf(&b, "  \"mem_holder\": {\"pid\": %d, \"mm_group\": %d, \"file\": \"/proc/self/mem\", "
            "\"extra_mm_count\": 1}", memhold_pid, memhold_group);
    if (P.scenario[0])
        emit_scenario(&b);
    bprintf(&b, "\n}\n");

    int fd = open("/dev/console", O_WRONLY | O_NOCTTY);
    if (fd < 0)
        fd = 1;
    /* whole lines, one write each, so kernel messages cannot split a line */
    static const char begin[] = "\nMMAUDIT-MANIFEST-BEGIN\n", end[] = "MMAUDIT-MANIFEST-END\n";
    write_all(fd, begin, sizeof begin - 1);
    for (char *l = b.p; l < b.p + b.n;) {
        char *nl = memchr(l, '\n', b.p + b.n - l);
        size_t len = nl ? (size_t)(nl - l + 1) : (size_t)(b.p + b.n - l);
        write_all(fd, l, len);
        l += len;
    }
    write_all(fd, end, sizeof end - 1);
    /* a tty write returns once the data is buffered: wait until the UART
     * has sent it all, or a panic right after would cut the manifest */
    tcdrain(fd);
    if (fd != 1)
        close(fd);
    free(b.p);
}

/* ---------------------------------------------------------------- main */

static char proc_state(int pid)
{
    char path[64];
    struct pstat st;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    return read_stat(path, &st) ? '?' : st.state;
}

int main(void)
{
    double t0 = now();
    setvbuf(stderr, NULL, _IOLBF, 0);
    set_comm("mmwork");
    parse_cmdline();
    if (pipe2(ready_pipe, O_CLOEXEC))
        die("pipe");
    msg("mode=%s procs=%d threads=%d singles=%d spinners=%d online=%s pincpu=%d",
        P.mode, P.procs, P.threads, P.singles, P.spinners, P.online, P.pincpu);
    if (P.scenario[0])
        msg("scenario=%s count=%d offline=%s", P.scenario, P.count, P.offline);

    if (P.maxthreads > 0) {
        char v[32];
        snprintf(v, sizeof v, "%ld", P.maxthreads);
        if (write_file("/proc/sys/kernel/threads-max", v))
            msg("cannot set threads-max: %s", strerror(errno));
    }

    /* bring extra CPUs online first (their per-CPU kthreads appear now) */
    if (P.online[0]) {
        unsigned char want[MAX_CPUS];
        parse_cpulist(P.online, want);
        for (int c = 0; c < MAX_CPUS; c++) {
            if (!want[c])
                continue;
            char path[96];
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/online", c);
            if (write_file(path, "1"))
                msg("cannot online cpu%d: %s", c, strerror(errno));
            else
                msg("cpu%d online", c);
        }
    }
    char online[1024];
    unsigned char oset[MAX_CPUS];
    read_file("/sys/devices/system/cpu/online", online, sizeof online);
    trim(online);
    int nonline = parse_cpulist(online, oset);
    int ocpus[MAX_CPUS], no = 0;
    for (int c = 0; c < MAX_CPUS; c++)
        if (oset[c])
            ocpus[no++] = c;
    if (P.spinners < 0)
        P.spinners = nonline;
    msg("online cpus: %s (%d)", online, nonline);

    int expected = 0;
    add_proc(R_INIT, 0, getpid(), next_mm_group++);

    /* multi-threaded processes */
    for (int i = 0; i < P.procs; i++) {
        g_index = i;
        g_pin = (i == 0 && P.pincpu >= 0 && P.threads > 1) ? P.pincpu : -1;
        struct proc *p = add_proc(R_THREADS, i, spawn(t_threads), next_mm_group++);
        if (g_pin >= 0)
            p->pinned_cpu = g_pin;
        expected += P.threads;
    }

    /* A, B, C: one mm, three thread groups */
    int vm_group = next_mm_group++;
    add_proc(R_VMA, 0, spawn(vm_a_proc), vm_group);
    expected += 3;                  /* A, B and C each report */

    /* spinners: the last one is a pure spinner on the highest online CPU
     * (so that CPU's current task is a user task); the others alternate
     * spinning and sleeping, one per remaining online CPU */
    for (int i = 0; i < P.spinners; i++) {
        int pure = (i == P.spinners - 1);
        g_index = i;
        g_cpu = no ? ocpus[(((no - P.spinners + i) % no) + no) % no] : -1;
        g_pure = pure;
        struct proc *p = add_proc(R_SPIN, i, spawn(t_spinner), next_mm_group++);
        p->cpu = g_cpu;
        p->kind = pure ? "pure" : "alternating";
        expected++;
    }

    add_proc(R_MEMHOLD, 0, spawn(memhold_proc), next_mm_group++);
    expected++;
    for (int i = 0; i < P.singles; i++) {
        g_index = i;
        add_proc(R_SINGLE, i, spawn(t_single), next_mm_group++);
        expected++;
    }
    if (!strcmp(P.scenario, "stuck_flush")) {
        if (pipe(go_pipe))
            die("pipe");
        shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED)
            die("mmap shared");
        flush_cpu = no ? ocpus[0] : -1;
        add_proc(R_FLUSH, 0, spawn(flush_proc), next_mm_group++);
        expected += 2;              /* leader and mmw-munmap */
    }
    if (!strcmp(P.scenario, "busy_flush")) {
        for (int i = 0; i < no; i++)
            churn_cpus[nchurn++] = ocpus[i];
        add_proc(R_CHURN, 0, spawn(churn_proc), next_mm_group++);
        expected += 1 + nchurn;
    }
    struct proc *zp = add_proc(R_ZOMBIE, 0, spawn(zombie_proc), -1);
    expected++;

    /* wait for every task to report */
    int got = 0, pid_b = -1, pid_c = -1;
    while (got < expected) {
        struct ready r;
        ssize_t n = read(ready_pipe[0], &r, sizeof r);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != sizeof r)
            die("ready pipe read %zd", n);
        got++;
        if (r.role == R_VMB)
            pid_b = r.pid;
        if (r.role == R_VFORK)
            pid_c = r.pid;
    }
    if (pid_b > 0)
        add_proc(R_VMB, 0, pid_b, vm_group);
    if (pid_c > 0)
        add_proc(R_VFORK, 0, pid_c, vm_group);
    msg("all %d workload tasks reported ready", got);

    /* the zombie: exited, never reaped (WNOWAIT) */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, zp->pid, &si, WEXITED | WNOWAIT))
        msg("waitid zombie: %s", strerror(errno));

    /* B must be blocked in vfork (D state, waiting for C) */
    for (int i = 0; i < 100 && pid_b > 0 && proc_state(pid_b) != 'D'; i++)
        sleep_ms(50);
    msg("vmB state %c, zombie state %c", pid_b > 0 ? proc_state(pid_b) : '?', proc_state(zp->pid));

    /* the pinned thread is the one named mmw-thr1 in threads process 0 */
    for (int i = 0; i < nprocs; i++)
        if (procs[i].role == R_THREADS && procs[i].pinned_cpu >= 0) {
            int *tids, n = list_tids(procs[i].pid, &tids);
            for (int k = 0; k < n; k++) {
                char path[64];
                struct pstat ts;
                snprintf(path, sizeof path, "/proc/%d/task/%d/stat", procs[i].pid, tids[k]);
                if (read_stat(path, &ts) == 0 && !strcmp(ts.comm, "mmw-thr1"))
                    procs[i].pinned_tid = tids[k];
            }
            free(tids);
        }

    scenario_setup(ocpus, no);

    /* settle: the task count must stay unchanged for 2 s (kernel threads
     * such as kworkers come and go on demand) */
    double t_ready = now() - t0, start = now(), stable_since = now();
    struct counts c = count_tasks();
    while ((now() - start) * 1000 < P.settle_ms) {
        sleep_ms(100);
        struct counts c2 = count_tasks();
        if (c2.tasks != c.tasks || c2.groups != c.groups) {
            c = c2;
            stable_since = now();
        } else if (now() - stable_since >= 2.0) {
            break;
        }
    }
    c = count_tasks();
    msg("tasks %d, thread groups %d (kernel %d/%d), setup %.1f s",
        c.tasks, c.groups, c.ktasks, c.kthreads, t_ready);

    if (P.scenario[0])
        scenario_arm(ocpus, no);
    emit_manifest(c, t_ready);

    if (!strcmp(P.mode, "panic")) {
        sleep_ms(200);
        if (write_file("/proc/sysrq-trigger", "c"))
            die("sysrq-trigger");
    }
    for (;;)
        pause();
}
