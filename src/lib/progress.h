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
	int enabled;
	int drawn;
	pthread_mutex_t lock;
};

void jp_progress_init(struct jp_progress *p, struct jp_ctx *ctx,
    const char *label, uint64_t total_items);
/* Count one more item done and `bytes` more bytes processed. */
void jp_progress_add(struct jp_progress *p, uint64_t items, uint64_t bytes);
/* Erase the line. */
void jp_progress_release(struct jp_progress *p);

#endif
