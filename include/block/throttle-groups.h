/*
 * Throttle groups: members (BlockBackends with I/O limits, throttle filter
 * nodes) share one set of leaky buckets.  Requests queue per member and
 * direction; whenever the buckets allow a request, the next member with
 * a queued request in round-robin order gets its turn, so one busy member
 * cannot starve the others.  While the buckets are full a main-loop timer
 * waits for them.
 *
 * Two ways to wait: throttle_group_schedule() calls back when the request
 * may go (for the main loop), throttle_group_wait() blocks the calling
 * thread (for driver callbacks in worker threads).  Both kinds may share
 * a group.  The registry (names, references) is main-loop only; the
 * queues and buckets have their own lock.
 *
 * The user-creatable QOM object 'throttle-group' wraps a group; the
 * legacy -drive throttling.group= creates groups on demand, as QEMU.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BLOCK_THROTTLE_GROUPS_H
#define BLOCK_THROTTLE_GROUPS_H

#include "vireo/osdep.h"
#include "vireo/queue.h"
#include "vireo/throttle.h"

typedef struct ThrottleGroup ThrottleGroup;
typedef struct ThrottleRequest ThrottleRequest;
typedef void ThrottleRequestFunc(ThrottleRequest *req);

/* A request waiting for its turn; embed it in the caller's request. */
struct ThrottleRequest {
    int64_t bytes;
    ThrottleRequestFunc *go;    /* called once it may go */
    bool released;              /* throttle_group_wait() only */
    QSIMPLEQ_ENTRY(ThrottleRequest) next;
};

typedef struct ThrottleGroupMember {
    ThrottleGroup *group;
    QSIMPLEQ_HEAD(, ThrottleRequest) queue[THROTTLE_MAX];
    unsigned limits_disabled;   /* draining: requests pass at once */
    QLIST_ENTRY(ThrottleGroupMember) round_robin;
} ThrottleGroupMember;

/* A new named group with @cfg (valid); fails if the name is taken.  The
 * caller holds the only reference. */
ThrottleGroup *throttle_group_new(const char *name, const ThrottleConfig *cfg,
                                  Error **errp);
ThrottleGroup *throttle_group_find(const char *name);
void throttle_group_ref(ThrottleGroup *tg);
void throttle_group_unref(ThrottleGroup *tg);
const char *throttle_group_name(ThrottleGroup *tg);
bool throttle_group_has_members(ThrottleGroup *tg);
/* New limits for the whole group: buckets start empty, queued requests
 * are looked at again. */
void throttle_group_config(ThrottleGroup *tg, const ThrottleConfig *cfg);
void throttle_group_get_config(ThrottleGroup *tg, ThrottleConfig *cfg);

/* Join the group @name, creating it without limits if there is none. */
void throttle_group_register_member(ThrottleGroupMember *tgm,
                                    const char *name);
/* Leave; the member must have no queued requests. */
void throttle_group_unregister_member(ThrottleGroupMember *tgm);
/* Drain support: while disabled, the member's requests pass without
 * waiting (those queued go now); calls nest. */
void throttle_group_member_disable(ThrottleGroupMember *tgm);
void throttle_group_member_enable(ThrottleGroupMember *tgm);

/* Queue @req (bytes and go set); req->go(req) runs, possibly at once,
 * when the group lets it through.  From the main loop. */
void throttle_group_schedule(ThrottleGroupMember *tgm, ThrottleDirection dir,
                             ThrottleRequest *req);
/* Block the calling (worker) thread until @bytes may go in @dir. */
void throttle_group_wait(ThrottleGroupMember *tgm, ThrottleDirection dir,
                         int64_t bytes);

#endif
