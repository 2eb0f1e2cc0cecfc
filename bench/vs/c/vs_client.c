/*  The C client of bench/vs, on the guide's own Majordomo client API
    (mdcliapi.c for the sync build, mdcliapi2.c for the async one, -DVS_ASYNC),
    compiled by bench/vs/run.ts against the anchors build. It follows the same
    protocol as the Deno clients (bench/vs/_driver.ts):

      vs_client ENDPOINT REQUESTS WARMUP WINDOW

      1. connect, send WARMUP requests (checked, not timed);
      2. print {"event":"ready"} and wait for one line on stdin;
      3. send REQUESTS requests, timed, every reply checked;
      4. print {"event":"done",...} and wait for stdin to close, then exit.

    A body is 11 bytes, the request's index as 11 decimal digits; a reply must
    be exactly one frame equal to it. The async build keeps WINDOW requests in
    flight (replies may come in any order; each index may be answered once).
    Timing uses clock_gettime(CLOCK_MONOTONIC) (vDSO: no system call). */
#ifdef VS_ASYNC
#include "mdcliapi2.c"
#else
#include "mdcliapi.c"
#endif
#include <time.h>

#define DIGITS 11
#define WARM_BASE 90000000000LL

static double now_us (void) {
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void body_of (long long i, char *out) {
    snprintf (out, DIGITS + 1, "%011lld", i);
}

static int cmp_double (const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double pct (double *sorted, int n, double p) {
    if (n == 0) return 0;
    int i = (int) (n * p);
    return sorted [i >= n ? n - 1 : i];
}

static int ok = 0, bad = 0;
static char first_bad [128] = "";

static void note_bad (const char *why) {
    bad++;
    if (!first_bad [0]) snprintf (first_bad, sizeof first_bad, "%s", why);
}

/*  Takes the reply; returns its index, or -1 when it is not one 11-digit
    frame. */
static long long reply_index (zmsg_t *reply) {
    long long i = -1;
    if (zmsg_size (reply) == 1) {
        zframe_t *f = zmsg_first (reply);
        if (zframe_size (f) == DIGITS) {
            char s [DIGITS + 1];
            memcpy (s, zframe_data (f), DIGITS);
            s [DIGITS] = 0;
            char *end;
            i = strtoll (s, &end, 10);
            if (*end) i = -1;
        }
    }
    zmsg_destroy (&reply);
    return i;
}

static void send_one (mdcli_t *s, long long i) {
    char b [DIGITS + 1];
    body_of (i, b);
    zmsg_t *request = zmsg_new ();
    zmsg_addmem (request, b, DIGITS);
#ifdef VS_ASYNC
    mdcli_send (s, "echo", &request);
#else
    zmsg_t *reply = mdcli_send (s, "echo", &request);
    if (!reply) { note_bad ("no reply"); return; }
    if (reply_index (reply) == i) ok++; else note_bad ("wrong reply");
#endif
}

/*  Runs n requests with indexes base..base+n-1; lat (if not NULL) gets each
    request's latency in us. */
static void run (mdcli_t *s, int n, long long base, int window, double *lat) {
#ifdef VS_ASYNC
    double *sent_at = calloc (n ? n : 1, sizeof (double));
    char *seen = calloc (n ? n : 1, 1);
    int sent = 0, got = 0;
    while (got < n) {
        while (sent < n && sent - got < window) {
            sent_at [sent] = now_us ();
            send_one (s, base + sent);
            sent++;
        }
        zmsg_t *reply = mdcli_recv (s);
        if (!reply) { note_bad ("no reply (timeout)"); break; }
        long long i = reply_index (reply) - base;
        got++;
        if (i < 0 || i >= n) note_bad ("wrong reply");
        else if (seen [i]) note_bad ("duplicate reply");
        else {
            seen [i] = 1;
            ok++;
            if (lat) lat [i] = now_us () - sent_at [i];
        }
    }
    free (sent_at);
    free (seen);
#else
    (void) window;
    for (int i = 0; i < n; i++) {
        double t = now_us ();
        send_one (s, base + i);
        if (lat) lat [i] = now_us () - t;
    }
#endif
}

int main (int argc, char *argv []) {
    if (argc < 5) {
        fprintf (stderr, "usage: vs_client ENDPOINT REQUESTS WARMUP WINDOW\n");
        return 2;
    }
    char *ep = argv [1];
    int n = atoi (argv [2]), warmup = atoi (argv [3]), window = atoi (argv [4]);
    if (window < 1) window = 1;
    mdcli_t *s = mdcli_new (ep, 0);
    mdcli_set_timeout (s, 30000);
#ifndef VS_ASYNC
    mdcli_set_retries (s, 1);
#endif
    run (s, warmup, WARM_BASE, window, NULL);
    int warm_ok = ok, warm_bad = bad;
    printf ("{\"event\":\"ready\",\"warmOk\":%d}\n", warm_ok);
    fflush (stdout);
    char line [64];
    if (!fgets (line, sizeof line, stdin)) { mdcli_destroy (&s); return 1; }
    ok = 0;
    bad = warm_bad;
    double *lat = calloc (n ? n : 1, sizeof (double));
    double t0 = now_us ();
    run (s, n, 0, window, lat);
    double elapsed = now_us () - t0;
    qsort (lat, n, sizeof (double), cmp_double);
    printf ("{\"event\":\"done\",\"requests\":%d,\"ok\":%d,\"bad\":%d,"
            "\"firstBad\":\"%s\",\"elapsedMs\":%.3f,\"p50Us\":%.0f,"
            "\"p90Us\":%.0f,\"p99Us\":%.0f,\"maxUs\":%.0f}\n",
            n, ok, bad, first_bad, elapsed / 1000, pct (lat, n, 0.5),
            pct (lat, n, 0.9), pct (lat, n, 0.99), pct (lat, n, 1));
    fflush (stdout);
    while (fgets (line, sizeof line, stdin)) { /* wait for EOF */ }
    free (lat);
    mdcli_destroy (&s);
    return 0;
}
