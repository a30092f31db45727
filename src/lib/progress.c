/* progress.c: files done / total and MB/s on a terminal. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "fsutil.h"
#include "progress.h"

void
jp_progress_init(struct jp_progress *p, struct jp_ctx *ctx, const char *label,
    uint64_t total_items)
{
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->label = label;
	p->total_items = total_items;
	p->start = jp_now();
	p->enabled = ctx->stderr_tty && ctx->verbosity >= JP_V_NORMAL;
	pthread_mutex_init(&p->lock, NULL);
}

/* Draw the line; the caller holds the lock. */
static void
jp_progress_draw(struct jp_progress *p, double now)
{
	double el = now - p->start;
	double rate = el > 0 ? p->done_bytes / el / 1e6 : 0.0;

	if (p->total_bytes > 0 && p->nvols > 0)
		fprintf(stderr, "\r%s: %.0f/%.0f MB, %.1f MB/s, volume %u of %u  ",
		    p->label, p->done_bytes / 1e6, p->total_bytes / 1e6, rate,
		    p->vol, p->nvols);
	else if (p->total_bytes > 0)
		fprintf(stderr, "\r%s: %.0f/%.0f MB, %.1f MB/s  ", p->label,
		    p->done_bytes / 1e6, p->total_bytes / 1e6, rate);
	else
		fprintf(stderr, "\r%s: %llu/%llu files, %.1f MB/s  ", p->label,
		    (unsigned long long)p->done_items,
		    (unsigned long long)p->total_items, rate);
	fflush(stderr);
	p->last_draw = now;
	p->drawn = 1;
}

void
jp_progress_add(struct jp_progress *p, uint64_t items, uint64_t bytes)
{
	double now;

	pthread_mutex_lock(&p->lock);
	p->done_items += items;
	p->done_bytes += bytes;
	if (p->enabled) {
		now = jp_now();
		if (now - p->last_draw >= 0.2 || (p->total_bytes == 0 &&
		    p->done_items == p->total_items))
			jp_progress_draw(p, now);
	}
	pthread_mutex_unlock(&p->lock);
}

void
jp_progress_bytes(struct jp_progress *p, uint64_t total_bytes, unsigned nvols)
{
	pthread_mutex_lock(&p->lock);
	p->total_bytes = total_bytes;
	p->nvols = nvols;
	pthread_mutex_unlock(&p->lock);
}

void
jp_progress_volume(struct jp_progress *p, unsigned vol, unsigned nvols)
{
	pthread_mutex_lock(&p->lock);
	if (p->enabled && p->total_bytes > 0 && vol != p->vol)
		jp_progress_draw(p, jp_now());   /* the volume done, in full */
	p->vol = vol;
	p->nvols = nvols;
	if (p->enabled && p->total_bytes > 0)
		jp_progress_draw(p, jp_now());
	pthread_mutex_unlock(&p->lock);
}

void
jp_progress_release(struct jp_progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	pthread_mutex_destroy(&p->lock);
}
