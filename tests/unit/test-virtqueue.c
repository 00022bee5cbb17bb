/*
 * Unit tests for the split virtqueue: pop/push round trips, chains,
 * indirect tables, notification suppression and event indices, and
 * malformed rings that must break the queue without touching memory.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "exec/memory.h"
#include "hw/virtio/virtqueue.h"

#define RAM_BASE 0x40000000
#define RAM_SIZE 0x100000
#define QSIZE 8
#define DESC  (RAM_BASE + 0x0000)
#define AVAIL (RAM_BASE + 0x1000)
#define USED  (RAM_BASE + 0x2000)
#define BUF   (RAM_BASE + 0x10000)

typedef struct Fixture {
    MemoryRegion root, ram;
    AddressSpace as;
    uint8_t *host;
    VirtQueue vq;
    uint16_t avail_idx;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    memory_region_init(&f->root, NULL, "root", UINT64_MAX);
    memory_region_init_ram(&f->ram, NULL, "ram", RAM_SIZE, &error_abort);
    memory_region_add_subregion(&f->root, RAM_BASE, &f->ram);
    address_space_init(&f->as, &f->root, "vq-test");
    f->host = memory_region_get_ram_ptr(&f->ram);
    virtqueue_init(&f->vq, &f->as);
    f->vq.num = QSIZE;
    f->avail_idx = 0;
}

static void teardown(Fixture *f, gconstpointer data)
{
    address_space_destroy(&f->as);
    memory_region_finalize(&f->ram);
    memory_region_finalize(&f->root);
}

static void *gpa(Fixture *f, hwaddr a)
{
    return f->host + (a - RAM_BASE);
}

static void set_desc(Fixture *f, hwaddr table, unsigned i, uint64_t addr,
                     uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t *d = gpa(f, table + 16 * i);
    uint64_t a = GUINT64_TO_LE(addr);
    uint32_t l = GUINT32_TO_LE(len);
    uint16_t fl = GUINT16_TO_LE(flags), n = GUINT16_TO_LE(next);

    memcpy(d, &a, 8);
    memcpy(d + 8, &l, 4);
    memcpy(d + 12, &fl, 2);
    memcpy(d + 14, &n, 2);
}

static void make_avail(Fixture *f, uint16_t head)
{
    uint16_t *ring = gpa(f, AVAIL + 4);
    ring[f->avail_idx % QSIZE] = GUINT16_TO_LE(head);
    f->avail_idx++;
    *(uint16_t *)gpa(f, AVAIL + 2) = GUINT16_TO_LE(f->avail_idx);
}

static uint16_t used_idx(Fixture *f)
{
    return GUINT16_FROM_LE(*(uint16_t *)gpa(f, USED + 2));
}

static void test_pop_push(Fixture *f, gconstpointer data)
{
    VirtQueueElement *e;
    uint32_t *used;

    virtqueue_set_ready(&f->vq, DESC, AVAIL, USED);
    g_assert_false(f->vq.broken);
    g_assert_null(virtqueue_pop(&f->vq));

    /* head 3: 16 readable bytes, then 32 writable bytes (desc 5) */
    set_desc(f, DESC, 3, BUF, 16, VRING_DESC_F_NEXT, 5);
    set_desc(f, DESC, 5, BUF + 0x100, 32, VRING_DESC_F_WRITE, 0);
    memcpy(gpa(f, BUF), "request", 8);
    make_avail(f, 3);
    g_assert_cmpuint(virtqueue_avail_count(&f->vq), ==, 1);

    e = virtqueue_pop(&f->vq);
    g_assert_nonnull(e);
    g_assert_cmpuint(e->index, ==, 3);
    g_assert_cmpuint(e->out_num, ==, 1);
    g_assert_cmpuint(e->in_num, ==, 1);
    g_assert_cmpuint(e->out_len, ==, 16);
    g_assert_cmpuint(e->in_len, ==, 32);
    g_assert_cmpstr(e->out_sg[0].iov_base, ==, "request");
    memcpy(e->in_sg[0].iov_base, "reply", 6);

    /* A length beyond the writable space is clamped. */
    virtqueue_push(&f->vq, e, 1000);
    g_free(e);
    g_assert_cmpuint(used_idx(f), ==, 1);
    used = gpa(f, USED + 4);
    g_assert_cmpuint(GUINT32_FROM_LE(used[0]), ==, 3);
    g_assert_cmpuint(GUINT32_FROM_LE(used[1]), ==, 32);
    g_assert_cmpstr(gpa(f, BUF + 0x100), ==, "reply");
    g_assert_true(virtqueue_should_notify(&f->vq));
}

static void test_indirect(Fixture *f, gconstpointer data)
{
    hwaddr table = RAM_BASE + 0x3000;
    VirtQueueElement *e;

    f->vq.indirect = true;
    virtqueue_set_ready(&f->vq, DESC, AVAIL, USED);
    set_desc(f, table, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
    set_desc(f, table, 1, BUF + 8, 8, VRING_DESC_F_NEXT, 2);
    set_desc(f, table, 2, BUF + 16, 64, VRING_DESC_F_WRITE, 0);
    set_desc(f, DESC, 0, table, 48, VRING_DESC_F_INDIRECT, 0);
    make_avail(f, 0);
    e = virtqueue_pop(&f->vq);
    g_assert_nonnull(e);
    g_assert_cmpuint(e->out_num, ==, 2);
    g_assert_cmpuint(e->in_num, ==, 1);
    g_free(e);

    /* Without the feature, an indirect descriptor breaks the queue. */
    f->vq.indirect = false;
    make_avail(f, 0);
    g_assert_null(virtqueue_pop(&f->vq));
    g_assert_true(f->vq.broken);
}

static void test_malformed(Fixture *f, gconstpointer data)
{
    static const struct {
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;
        uint16_t head;
    } cases[] = {
        { BUF, 8, VRING_DESC_F_NEXT, 0, 0 },           /* loops on itself */
        { BUF, 8, VRING_DESC_F_NEXT, 200, 0 },         /* next out of range */
        { 0x10, 8, 0, 0, 0 },                          /* buffer not in RAM */
        { RAM_BASE + RAM_SIZE - 4, 8, 0, 0, 0 },       /* runs off RAM */
        { BUF, 8, 0, 0, QSIZE + 3 },                   /* head out of range */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        virtqueue_init(&f->vq, &f->as);
        f->vq.num = QSIZE;
        f->avail_idx = 0;
        virtqueue_set_ready(&f->vq, DESC, AVAIL, USED);
        set_desc(f, DESC, 0, cases[i].addr, cases[i].len, cases[i].flags,
                 cases[i].next);
        make_avail(f, cases[i].head);
        g_assert_null(virtqueue_pop(&f->vq));
        g_assert_true(f->vq.broken);
    }

    /* Writable before readable in one chain is refused. */
    virtqueue_init(&f->vq, &f->as);
    f->vq.num = QSIZE;
    f->avail_idx = 0;
    virtqueue_set_ready(&f->vq, DESC, AVAIL, USED);
    set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    set_desc(f, DESC, 1, BUF + 8, 8, 0, 0);
    make_avail(f, 0);
    g_assert_null(virtqueue_pop(&f->vq));
    g_assert_true(f->vq.broken);

    /* An avail index running ahead of the ring size is refused. */
    virtqueue_init(&f->vq, &f->as);
    f->vq.num = QSIZE;
    virtqueue_set_ready(&f->vq, DESC, AVAIL, USED);
    *(uint16_t *)gpa(f, AVAIL + 2) = GUINT16_TO_LE(QSIZE + 1);
    g_assert_cmpuint(virtqueue_avail_count(&f->vq), ==, 0);
    g_assert_true(f->vq.broken);

    /* Rings outside RAM: broken from the start. */
    virtqueue_init(&f->vq, &f->as);
    f->vq.num = QSIZE;
    virtqueue_set_ready(&f->vq, 0x1000, AVAIL, USED);
    g_assert_true(f->vq.broken);
}

static void test_event_idx(Fixture *f, gconstpointer data)
{
    VirtQueueElement *e;
    uint16_t *used_event = gpa(f, AVAIL + 4 + 2 * QSIZE);

    f->vq.event_idx = true;
    virtqueue_set_ready(&f->vq, DESC, AVAIL, USED);
    set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_WRITE, 0);
    /* The driver wants an interrupt only after the 2nd used entry. */
    *used_event = GUINT16_TO_LE(1);
    for (int i = 0; i < 3; i++) {
        make_avail(f, 0);
    }
    e = virtqueue_pop(&f->vq);
    virtqueue_push(&f->vq, e, 0);
    g_free(e);
    /* The first decision is always to notify (nothing signalled yet). */
    g_assert_true(virtqueue_should_notify(&f->vq));
    e = virtqueue_pop(&f->vq);
    virtqueue_push(&f->vq, e, 0);
    g_free(e);
    g_assert_true(virtqueue_should_notify(&f->vq));   /* crossed index 1 */
    e = virtqueue_pop(&f->vq);
    virtqueue_push(&f->vq, e, 0);
    g_free(e);
    g_assert_false(virtqueue_should_notify(&f->vq));  /* index 1 passed */
    /* avail_event tracks what the device has taken. */
    g_assert_cmpuint(GUINT16_FROM_LE(*(uint16_t *)gpa(f, USED + 4 + 8 * QSIZE)),
                     ==, 3);
}

static void test_no_interrupt_flag(Fixture *f, gconstpointer data)
{
    VirtQueueElement *e;

    virtqueue_set_ready(&f->vq, DESC, AVAIL, USED);
    set_desc(f, DESC, 0, BUF, 8, 0, 0);
    make_avail(f, 0);
    *(uint16_t *)gpa(f, AVAIL) = GUINT16_TO_LE(VRING_AVAIL_F_NO_INTERRUPT);
    e = virtqueue_pop(&f->vq);
    virtqueue_push(&f->vq, e, 0);
    g_free(e);
    g_assert_false(virtqueue_should_notify(&f->vq));
    virtqueue_set_notification(&f->vq, false);
    g_assert_cmpuint(GUINT16_FROM_LE(*(uint16_t *)gpa(f, USED)), ==,
                     VRING_USED_F_NO_NOTIFY);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
    g_test_add("/virtqueue/" name, Fixture, NULL, setup, fn, teardown)
    ADD("pop-push", test_pop_push);
    ADD("indirect", test_indirect);
    ADD("malformed", test_malformed);
    ADD("event-idx", test_event_idx);
    ADD("no-interrupt-flag", test_no_interrupt_flag);
    return g_test_run();
}
