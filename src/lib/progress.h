/*
 * progress.h: a one-line progress display on stderr.
 *
 * Shown only when stderr is a terminal and the run is not quiet; redrawn at
 * most a few times a second.  Thread-safe: workers call jp_progress_add().
 */
#ifndef JP_PROGRESS_H
#define JP_PROGRESS_H

#include <pthread.h>
#include <stdint.h>

struct jp_ctx;

struct jp_progress {
	struct jp_ctx *ctx;
	const char *label;
	uint64_t total_items, done_items;
	uint64_t done_bytes;
	double start, last_draw;
	uint64_t total_bytes;      /* bytes mode: jp_progress_bytes */
	unsigned vol, nvols;       /* "volume n of m" when nvols > 0 */
	int enabled;
	int drawn;
	pthread_mutex_t lock;
};

void jp_progress_init(struct jp_progress *p, struct jp_ctx *ctx,
    const char *label, uint64_t total_items);
/* Count one more item done and `bytes` more bytes processed. */
void jp_progress_add(struct jp_progress *p, uint64_t items, uint64_t bytes);
/* Erase the line. */
/*
 * Switch p to counting bytes: "LABEL: 120/2048 MB, 95.1 MB/s, volume 1
 * of 3".  nvols 0 leaves the volume out; jp_progress_volume sets it.
 */
void jp_progress_bytes(struct jp_progress *p, uint64_t total_bytes,
    unsigned nvols);
void jp_progress_volume(struct jp_progress *p, unsigned vol, unsigned nvols);

void jp_progress_release(struct jp_progress *p);

#endif
