/*  LD_PRELOAD shim for the "fair" C runs of bench/vs. czmq 3.0.2 asks
    getsockopt() about every raw libzmq socket handle as if it were a file
    descriptor (a number far above any open descriptor), once per frame; the
    kernel answers EBADF. This shim gives the same answer without the system
    call for any descriptor outside [0, RLIMIT_NOFILE) and passes every other
    call to the real getsockopt().

    It reads the limit and the real function once, when the library is
    loaded (before main, on one thread): initialising on first use instead
    races between a process's threads, and a thread that sees the function
    set before the limit answers EBADF for every descriptor (libzmq then
    aborts, e.g. "Bad file descriptor (src/tcp_connecter.cpp:289)"). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/socket.h>

typedef int (*getsockopt_fn) (int, int, int, void *, socklen_t *);
static getsockopt_fn real_getsockopt;
static rlim_t fd_limit;

__attribute__ ((constructor)) static void vs_noresolve_init (void) {
    struct rlimit r;
    fd_limit = getrlimit (RLIMIT_NOFILE, &r) == 0 ? r.rlim_cur : 1024;
    real_getsockopt = (getsockopt_fn) dlsym (RTLD_NEXT, "getsockopt");
}

int getsockopt (int fd, int level, int name, void *value, socklen_t *len) {
    if (fd < 0 || (rlim_t) fd >= fd_limit) {
        errno = EBADF;
        return -1;
    }
    return real_getsockopt (fd, level, name, value, len);
}
