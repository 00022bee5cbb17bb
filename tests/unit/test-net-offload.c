/*
 * Unit tests for the host-side offloads (net/offload.c): TSO super-packets
 * over IPv4, IPv6 and VLANs cut into segments whose lengths, sequence
 * numbers, flags, ids and checksums are checked here independently;
 * partial checksums; UFO fragments; the received-checksum check; receive
 * coalescing and ACK compression; and malformed headers and frames, which
 * must be refused whole without a crash.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "net/offload.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

/* ---- An independent checksum: plain big-endian 16-bit words ---- */

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

static unsigned be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

/* Whether the L4 checksum of the packet at @l3 (IPv4 or 6) is right. */
static bool l4_ok(const uint8_t *l3, size_t l4off, unsigned proto,
                  size_t l4len, bool v6)
{
    uint32_t sum = v6 ? sum16(0, l3 + 8, 32) : sum16(0, l3 + 12, 8);

    sum += proto + l4len;
    if (v6) {
        sum += l4len >> 16;
    }
    return fold(sum16(sum, l3 + l4off, l4len)) == 0xffff;
}

static bool ipv4_hdr_ok(const uint8_t *ip)
{
    return fold(sum16(0, ip, (ip[0] & 15) * 4)) == 0xffff;
}

/* ---- Building frames ---- */

static const uint8_t macs[12] = {
    0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x52, 0x55, 10, 0, 2, 2,
};

typedef struct Frame {
    uint8_t b[70000];
    size_t len;
    size_t l3, l4;
} Frame;

/* Ethernet (with @vlan tags) and an IPv4 or IPv6 header for @proto. */
static void build_ip(Frame *f, bool v6, int vlan, unsigned proto)
{
    size_t off = 12;

    memset(f, 0, sizeof(*f));
    memcpy(f->b, macs, 12);
    for (int i = 0; i < vlan; i++) {
        put16(f->b + off, 0x8100);
        put16(f->b + off + 2, 100 + i);
        off += 4;
    }
    put16(f->b + off, v6 ? 0x86dd : 0x0800);
    f->l3 = off + 2;
    if (v6) {
        uint8_t *ip = f->b + f->l3;

        ip[0] = 0x60;
        ip[6] = proto;
        ip[7] = 64;
        ip[8] = 0xfe;
        ip[9] = 0x80;
        ip[23] = 0x15;
        ip[24] = 0xfe;
        ip[25] = 0x80;
        ip[39] = 0x02;
        f->l4 = f->l3 + 40;
    } else {
        uint8_t *ip = f->b + f->l3;

        ip[0] = 0x45;
        put16(ip + 4, 0x1234);
        ip[6] = 0x40;           /* DF */
        ip[8] = 64;
        ip[9] = proto;
        put32(ip + 12, 0x0a00020f);
        put32(ip + 16, 0x0a000202);
        f->l4 = f->l3 + 20;
    }
}

/* Fills in the IP lengths (and IPv4 checksum) once the frame is whole. */
static void finish_ip(Frame *f, bool v6)
{
    uint8_t *ip = f->b + f->l3;

    if (v6) {
        put16(ip + 4, f->len - f->l3 - 40);
    } else {
        put16(ip + 2, f->len - f->l3);
        ip[10] = ip[11] = 0;
        put16(ip + 10, ~fold(sum16(0, ip, 20)) & 0xffff);
    }
}

static void fill_payload(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = (i * 7 + seed) ^ (i >> 8);
    }
}

/* A TCP segment; @opts adds NOP, NOP, timestamp (12 bytes). */
static void build_tcp(Frame *f, bool v6, int vlan, uint32_t seq,
                      uint32_t ack, uint8_t flags, bool opts,
                      size_t payload, unsigned seed)
{
    uint8_t *th;
    size_t thl = opts ? 32 : 20;

    build_ip(f, v6, vlan, 6);
    th = f->b + f->l4;
    put16(th, 40000);
    put16(th + 2, 5001);
    put32(th + 4, seq);
    put32(th + 8, ack);
    th[12] = (thl / 4) << 4;
    th[13] = flags;
    put16(th + 14, 29200);
    if (opts) {
        th[20] = 1;
        th[21] = 1;
        th[22] = 8;
        th[23] = 10;
        put32(th + 24, 0x11223344);
        put32(th + 28, 0x55667788);
    }
    fill_payload(th + thl, payload, seed);
    f->len = f->l4 + thl + payload;
    finish_ip(f, v6);
}

/* The right TCP/UDP checksum into a frame built above. */
static void set_l4_csum(Frame *f, bool v6, unsigned proto, size_t at)
{
    size_t l4len = f->len - f->l4;
    uint8_t *ip = f->b + f->l3;
    uint32_t sum = v6 ? sum16(0, ip + 8, 32) : sum16(0, ip + 12, 8);

    f->b[f->l4 + at] = f->b[f->l4 + at + 1] = 0;
    sum += proto + l4len;
    put16(f->b + f->l4 + at, ~fold(sum16(sum, f->b + f->l4, l4len)) &
                             0xffff);
}

/* ---- Collecting what comes out ---- */

typedef struct Out {
    GPtrArray *frames;          /* GByteArray * */
    GArray *hdrs;               /* VirtioNetHdr, for coalescing */
} Out;

static void out_init(Out *o)
{
    o->frames = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_byte_array_unref);
    o->hdrs = g_array_new(FALSE, TRUE, sizeof(VirtioNetHdr));
}

static void out_free(Out *o)
{
    g_ptr_array_free(o->frames, TRUE);
    g_array_free(o->hdrs, TRUE);
}

static void emit(void *opaque, const uint8_t *frame, size_t len)
{
    Out *o = opaque;
    GByteArray *b = g_byte_array_new();

    g_byte_array_append(b, frame, len);
    g_ptr_array_add(o->frames, b);
}

static void emit_hdr(void *opaque, const VirtioNetHdr *hdr,
                     const uint8_t *frame, size_t len)
{
    Out *o = opaque;

    g_array_append_val(o->hdrs, *hdr);
    emit(opaque, frame, len);
}

static GByteArray *out_frame(Out *o, unsigned i)
{
    return g_ptr_array_index(o->frames, i);
}

static VirtioNetHdr gso_hdr(uint8_t type, unsigned mss, size_t csum_start,
                            unsigned csum_offset, size_t hdr_len)
{
    VirtioNetHdr h = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = type,
        .hdr_len = GUINT16_TO_LE(hdr_len),
        .gso_size = GUINT16_TO_LE(mss),
        .csum_start = GUINT16_TO_LE(csum_start),
        .csum_offset = GUINT16_TO_LE(csum_offset),
    };
    return h;
}

/* ---- TSO ---- */

static void check_tso(bool v6, int vlan, bool opts, size_t payload,
                      unsigned mss)
{
    static Frame f;
    uint8_t flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR;
    size_t thl = opts ? 32 : 20;
    VirtioNetHdr h;
    Out o;
    size_t off = 0;
    unsigned nsegs = (payload + mss - 1) / mss;
    int n;

    build_tcp(&f, v6, vlan, 0xfffff000, 777, flags, opts, payload, 3);
    /* As a guest leaves it: the pseudo-header sum, not the checksum. */
    h = gso_hdr(v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
                mss, f.l4, 16, f.l4 + thl);
    out_init(&o);
    n = net_offload_resolve(&h, f.b, f.len, emit, &o);
    g_assert_cmpint(n, ==, nsegs);
    g_assert_cmpuint(o.frames->len, ==, nsegs);
    for (unsigned i = 0; i < nsegs; i++) {
        GByteArray *s = out_frame(&o, i);
        const uint8_t *ip = s->data + f.l3, *th = s->data + f.l4;
        size_t len = MIN(mss, payload - off);
        bool first = i == 0, last = i == nsegs - 1;

        g_assert_cmpuint(s->len, ==, f.l4 + thl + len);
        g_assert(!memcmp(s->data, f.b, f.l3));      /* Ethernet, tags */
        if (v6) {
            g_assert_cmpuint(be16(ip + 4), ==, thl + len);
        } else {
            g_assert_cmpuint(be16(ip + 2), ==, 20 + thl + len);
            g_assert_cmpuint(be16(ip + 4), ==, (0x1234 + i) & 0xffff);
            g_assert(ipv4_hdr_ok(ip));
        }
        g_assert_cmpuint(be32(th + 4), ==, (uint32_t)(0xfffff000 + off));
        g_assert_cmpuint(be32(th + 8), ==, 777);
        g_assert_cmpuint(!!(th[13] & TCP_FIN), ==, last);
        g_assert_cmpuint(!!(th[13] & TCP_PSH), ==, last);
        g_assert_cmpuint(!!(th[13] & TCP_CWR), ==, first);
        g_assert(th[13] & TCP_ACK);
        g_assert(!memcmp(th + 20, f.b + f.l4 + 20, thl - 20)); /* options */
        g_assert(l4_ok(ip, f.l4 - f.l3, 6, thl + len, v6));
        g_assert(!memcmp(th + thl, f.b + f.l4 + thl + off, len));
        g_assert(net_offload_csum_ok(s->data, s->len));
        off += len;
    }
    g_assert_cmpuint(off, ==, payload);
    out_free(&o);
}

static void test_tso4(void)
{
    check_tso(false, 0, false, 10000, 1448);
    check_tso(false, 0, true, 65000, 1448);
    check_tso(false, 0, false, 1448 * 3, 1448);     /* exact multiple */
    check_tso(false, 0, false, 100, 1448);          /* one segment */
    check_tso(false, 0, false, 9, 2);               /* odd lengths */
}

static void test_tso6(void)
{
    check_tso(true, 0, false, 20000, 1428);
    check_tso(true, 0, true, 65000, 1000);
}

static void test_tso_vlan(void)
{
    check_tso(false, 1, false, 5000, 1444);
    check_tso(true, 2, true, 5000, 1420);
}

/* ---- Partial checksums ---- */

static void test_partial_csum(void)
{
    static Frame f;
    VirtioNetHdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM };
    uint32_t pseudo;
    Out o;

    /* UDP over IPv4, the pseudo-header sum in the field as Linux does. */
    for (size_t len = 0; len < 40; len += 7) {
        build_ip(&f, false, 0, 17);
        put16(f.b + f.l4, 53);
        put16(f.b + f.l4 + 2, 4444);
        fill_payload(f.b + f.l4 + 8, len, 9);
        f.len = f.l4 + 8 + len;
        put16(f.b + f.l4 + 4, 8 + len);
        finish_ip(&f, false);
        pseudo = fold(sum16(17 + 8 + len, f.b + f.l3 + 12, 8));
        put16(f.b + f.l4 + 6, pseudo);
        h.csum_start = GUINT16_TO_LE(f.l4);
        h.csum_offset = GUINT16_TO_LE(6);
        out_init(&o);
        g_assert_cmpint(net_offload_resolve(&h, f.b, f.len, emit, &o), ==,
                        1);
        g_assert(l4_ok(out_frame(&o, 0)->data + f.l3, 20, 17, 8 + len,
                       false));
        g_assert(net_offload_csum_ok(out_frame(&o, 0)->data, f.len));
        out_free(&o);
    }
    /* A UDP sum that comes out as zero is sent as 0xffff (zero would
     * mean "no checksum"). */
    build_ip(&f, false, 0, 17);
    f.len = f.l4 + 8 + 10;
    put16(f.b + f.l4 + 4, 18);
    finish_ip(&f, false);
    pseudo = fold(sum16(17 + 18, f.b + f.l3 + 12, 8));
    put16(f.b + f.l4 + 6, pseudo);
    put16(f.b + f.len - 2, 0xffff - fold(sum16(0, f.b + f.l4, 18)));
    h.csum_start = GUINT16_TO_LE(f.l4);
    h.csum_offset = GUINT16_TO_LE(6);
    out_init(&o);
    g_assert_cmpint(net_offload_resolve(&h, f.b, f.len, emit, &o), ==, 1);
    g_assert_cmpuint(be16(out_frame(&o, 0)->data + f.l4 + 6), ==, 0xffff);
    g_assert(net_offload_csum_ok(out_frame(&o, 0)->data, f.len));
    out_free(&o);
    /* TCP over IPv6. */
    build_tcp(&f, true, 0, 1, 2, TCP_ACK, false, 333, 1);
    pseudo = fold(sum16(6 + 20 + 333, f.b + f.l3 + 8, 32));
    put16(f.b + f.l4 + 16, pseudo);
    h.csum_start = GUINT16_TO_LE(f.l4);
    h.csum_offset = GUINT16_TO_LE(16);
    out_init(&o);
    g_assert_cmpint(net_offload_resolve(&h, f.b, f.len, emit, &o), ==, 1);
    g_assert(l4_ok(out_frame(&o, 0)->data + f.l3, 40, 6, 20 + 333, true));
    out_free(&o);
    /* No request: the frame as it is. */
    h.flags = 0;
    out_init(&o);
    g_assert_cmpint(net_offload_resolve(&h, f.b, f.len, emit, &o), ==, 1);
    g_assert(!memcmp(out_frame(&o, 0)->data, f.b, f.len));
    out_free(&o);
}

/* ---- UFO ---- */

static void check_ufo(bool v6, size_t payload, unsigned fraglen)
{
    static Frame f;
    g_autoptr(GByteArray) joined = g_byte_array_new();
    VirtioNetHdr h;
    Out o;
    size_t l4len = 8 + payload, hl = v6 ? 48 : 20, want_off = 0;
    uint32_t ident = 0;

    build_ip(&f, v6, 0, 17);
    put16(f.b + f.l4, 1000);
    put16(f.b + f.l4 + 2, 2000);
    put16(f.b + f.l4 + 4, l4len);
    fill_payload(f.b + f.l4 + 8, payload, 5);
    f.len = f.l4 + l4len;
    finish_ip(&f, v6);
    h = gso_hdr(VIRTIO_NET_HDR_GSO_UDP, fraglen, f.l4, 6, f.l4 + 8);
    out_init(&o);
    g_assert_cmpint(net_offload_resolve(&h, f.b, f.len, emit, &o), >, 1);
    for (unsigned i = 0; i < o.frames->len; i++) {
        GByteArray *s = out_frame(&o, i);
        const uint8_t *ip = s->data + f.l3;
        size_t off, len = s->len - f.l3 - hl;
        bool more;

        g_assert_cmpuint(len, <=, fraglen & ~7);
        if (v6) {
            const uint8_t *fh = ip + 40;

            g_assert_cmpuint(ip[6], ==, 44);
            g_assert_cmpuint(fh[0], ==, 17);
            g_assert_cmpuint(be16(ip + 4), ==, 8 + len);
            off = be16(fh + 2) & ~7;
            more = fh[3] & 1;
            if (i == 0) {
                ident = be32(fh + 4);
            }
            g_assert_cmpuint(be32(fh + 4), ==, ident);
        } else {
            g_assert_cmpuint(be16(ip + 2), ==, 20 + len);
            g_assert(ipv4_hdr_ok(ip));
            off = (be16(ip + 6) & 0x1fff) * 8;
            more = be16(ip + 6) & 0x2000;
            g_assert_cmpuint(be16(ip + 4), ==, 0x1234);
        }
        g_assert_cmpuint(off, ==, want_off);
        g_assert_cmpuint(more, ==, i + 1 < o.frames->len);
        g_assert(!more || len % 8 == 0);
        g_byte_array_append(joined, s->data + f.l3 + hl, len);
        want_off += len;
    }
    /* The reassembled datagram: our payload under a right checksum. */
    g_assert_cmpuint(joined->len, ==, l4len);
    g_assert(!memcmp(joined->data + 8, f.b + f.l4 + 8, payload));
    memcpy(f.b + f.l4, joined->data, 8);
    g_assert(l4_ok(f.b + f.l3, f.l4 - f.l3, 17, l4len, v6));
    out_free(&o);
}

static void test_ufo(void)
{
    check_ufo(false, 4000, 1480);
    check_ufo(false, 3000, 1477);       /* rounded down to 8s */
    check_ufo(true, 9000, 1448);
}

/* ---- Malformed ---- */

static int resolve_count(const VirtioNetHdr *h, const uint8_t *b, size_t n)
{
    Out o;
    int r;

    out_init(&o);
    r = net_offload_resolve(h, b, n, emit, &o);
    /* Refused means nothing went out. */
    g_assert(r >= 0 || o.frames->len == 0);
    g_assert(r < 0 || (int)o.frames->len == r);
    for (unsigned i = 0; i < o.frames->len; i++) {
        g_assert_cmpuint(out_frame(&o, i)->len, <=, n + 48);
    }
    out_free(&o);
    return r;
}

static void test_malformed(void)
{
    static Frame f;
    VirtioNetHdr h;

    build_tcp(&f, false, 0, 1, 1, TCP_ACK, false, 3000, 2);
    h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448, f.l4, 16, f.l4 + 20);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, 3);

    h.gso_size = 0;                                     /* bogus mss */
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1);
    h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448, f.l4, 16, f.len + 1);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1); /* hdr_len */
    h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448, f.len, 16, 54);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1); /* start */
    h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448, f.len - 1, 0, 54);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1);
    h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448, f.l4, 0xfff0, 54);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1); /* offset */
    h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV6, 1448, f.l4, 16, 54);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1); /* not v6 */
    h = gso_hdr(VIRTIO_NET_HDR_GSO_UDP, 1448, f.l4, 16, 54);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1); /* not UDP */
    h = gso_hdr(0x42, 1448, f.l4, 16, 54);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1); /* type */
    h = gso_hdr(VIRTIO_NET_HDR_GSO_ECN, 1448, f.l4, 16, 54);
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1);

    /* Bad IP and TCP header lengths. */
    h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448, f.l4, 16, 54);
    f.b[f.l3] = 0x44;
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1);
    f.b[f.l3] = 0x4f;
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, 3);  /* options */
    f.b[f.l3] = 0x45;
    f.b[f.l4 + 12] = 0x40;
    g_assert_cmpint(resolve_count(&h, f.b, f.len), ==, -1);
    f.b[f.l4 + 12] = 0xf0;
    g_assert_cmpint(resolve_count(&h, f.b, 90), ==, -1);
    f.b[f.l4 + 12] = 0x50;

    /* Every truncation, with and without offloads asked for. */
    for (size_t n = 0; n <= 200; n++) {
        h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 8, f.l4, 16, 54);
        resolve_count(&h, f.b, n);
        h.gso_type = 0;
        resolve_count(&h, f.b, n);
        g_assert(!net_offload_csum_ok(f.b, n));
    }
}

/* Random headers on random and mangled frames: nothing may crash. */
static void test_fuzz(void)
{
    static Frame f;
    GRand *rnd = g_rand_new_with_seed(1234);

    for (int iter = 0; iter < 20000; iter++) {
        VirtioNetHdr h;
        size_t n;

        build_tcp(&f, g_rand_boolean(rnd), g_rand_int_range(rnd, 0, 3), 5, 6,
                  TCP_ACK, g_rand_boolean(rnd), g_rand_int_range(rnd, 0, 3000),
                  iter);
        for (int k = g_rand_int_range(rnd, 0, 6); k > 0; k--) {
            f.b[g_rand_int_range(rnd, 0, 80)] = g_rand_int(rnd);
        }
        h.flags = g_rand_int_range(rnd, 0, 4);
        h.gso_type = (uint8_t[]){ 0, 1, 3, 4, 0x81, 0x84, 7 }
                     [g_rand_int_range(rnd, 0, 7)];
        h.hdr_len = GUINT16_TO_LE(g_rand_int_range(rnd, 0, 200));
        h.gso_size = GUINT16_TO_LE(g_rand_int_range(rnd, 0, 2000));
        h.csum_start = GUINT16_TO_LE(g_rand_int_range(rnd, 0, 3100));
        h.csum_offset = GUINT16_TO_LE(g_rand_int_range(rnd, 0, 40));
        n = g_rand_boolean(rnd) ? f.len : g_rand_int_range(rnd, 0, f.len + 1);
        resolve_count(&h, f.b, n);
        net_offload_csum_ok(f.b, n);
    }
    g_rand_free(rnd);
}

/* ---- Checking received checksums ---- */

static void test_csum_ok(void)
{
    static Frame f;

    build_tcp(&f, false, 0, 1, 2, TCP_ACK, false, 500, 4);
    set_l4_csum(&f, false, 6, 16);
    g_assert(net_offload_csum_ok(f.b, f.len));
    g_assert(net_offload_csum_ok(f.b, f.len + 6));  /* Ethernet padding */
    g_assert(!net_offload_csum_ok(f.b, f.len - 1)); /* cut short */
    f.b[f.len - 3] ^= 0x40;                         /* a flipped bit */
    g_assert(!net_offload_csum_ok(f.b, f.len));
    f.b[f.len - 3] ^= 0x40;
    f.b[f.l3 + 8]--;                                /* IPv4 header */
    g_assert(!net_offload_csum_ok(f.b, f.len));
    f.b[f.l3 + 8]++;
    f.b[f.l3 + 6] |= 0x20;                          /* a fragment */
    finish_ip(&f, false);
    g_assert(!net_offload_csum_ok(f.b, f.len));

    build_tcp(&f, true, 1, 1, 2, TCP_ACK, true, 777, 4);
    set_l4_csum(&f, true, 6, 16);
    g_assert(net_offload_csum_ok(f.b, f.len));
    f.b[f.l3 + 20] ^= 1;                            /* source address */
    g_assert(!net_offload_csum_ok(f.b, f.len));

    /* UDP: zero over IPv4 means unchecked, not right. */
    build_ip(&f, false, 0, 17);
    f.len = f.l4 + 8 + 11;
    put16(f.b + f.l4 + 4, 19);
    finish_ip(&f, false);
    g_assert(!net_offload_csum_ok(f.b, f.len));
    set_l4_csum(&f, false, 17, 6);
    g_assert(net_offload_csum_ok(f.b, f.len));
    put16(f.b + f.l4 + 4, 18);                      /* UDP length */
    g_assert(!net_offload_csum_ok(f.b, f.len));

    /* ARP and ICMP: not for us to vouch for. */
    build_ip(&f, false, 0, 1);
    f.len = f.l4 + 8;
    finish_ip(&f, false);
    g_assert(!net_offload_csum_ok(f.b, f.len));
}

/* ---- Receive coalescing ---- */

static const NetOffloads lro = {
    .csum = true, .tso4 = true, .tso6 = true,
};

static void add_seg(NetRsc *r, Out *o, bool v6, uint32_t seq, uint8_t flags,
                    size_t len, bool expect_kept)
{
    static Frame f;

    build_tcp(&f, v6, 0, seq, 9, flags, false, len, seq);
    set_l4_csum(&f, v6, 6, 16);
    g_assert_cmpint(net_offload_rsc_add(r, &lro, f.b, f.len, emit_hdr, o),
                    ==, expect_kept);
    if (!expect_kept) {
        VirtioNetHdr h = { 0 };

        emit_hdr(o, &h, f.b, f.len);    /* as the caller does */
    }
}

static void check_super(Out *o, unsigned i, bool v6, uint32_t seq,
                        size_t payload, unsigned mss)
{
    GByteArray *s = out_frame(o, i);
    VirtioNetHdr *h = &g_array_index(o->hdrs, VirtioNetHdr, i);
    size_t l3 = 14, l4 = v6 ? 54 : 34;
    g_autofree uint8_t *copy = g_memdup2(s->data, s->len);
    Out back;
    uint32_t sum;
    size_t off = 0;

    g_assert_cmpuint(h->flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    g_assert_cmpuint(h->gso_type, ==, v6 ? VIRTIO_NET_HDR_GSO_TCPV6
                                          : VIRTIO_NET_HDR_GSO_TCPV4);
    g_assert_cmpuint(GUINT16_FROM_LE(h->gso_size), ==, mss);
    g_assert_cmpuint(GUINT16_FROM_LE(h->csum_start), ==, l4);
    g_assert_cmpuint(GUINT16_FROM_LE(h->csum_offset), ==, 16);
    g_assert_cmpuint(GUINT16_FROM_LE(h->hdr_len), ==, l4 + 20);
    g_assert_cmpuint(s->len, ==, l4 + 20 + payload);
    g_assert_cmpuint(be32(s->data + l4 + 4), ==, seq);
    if (v6) {
        g_assert_cmpuint(be16(s->data + l3 + 4), ==, 20 + payload);
    } else {
        g_assert_cmpuint(be16(s->data + l3 + 2), ==, 40 + payload);
        g_assert(ipv4_hdr_ok(s->data + l3));
    }
    /* Finishing the partial checksum gives the right one. */
    sum = fold(sum16(0, copy + l4, s->len - l4));
    put16(copy + l4 + 16, ~sum & 0xffff);
    g_assert(l4_ok(copy + l3, l4 - l3, 6, s->len - l4, v6));
    /* Cut again, it gives back segments of the same payload. */
    out_init(&back);
    g_assert_cmpint(net_offload_resolve(h, s->data, s->len, emit, &back),
                    ==, (payload + mss - 1) / mss);
    for (unsigned k = 0; k < back.frames->len; k++) {
        GByteArray *seg = out_frame(&back, k);
        static Frame want;
        size_t len = MIN(mss, payload - off);

        build_tcp(&want, v6, 0, seq + off, 9, TCP_ACK, false, len, seq + off);
        g_assert_cmpuint(seg->len, ==, want.len);
        g_assert(!memcmp(seg->data + l4 + 20, want.b + l4 + 20, len));
        g_assert(net_offload_csum_ok(seg->data, seg->len));
        off += len;
    }
    out_free(&back);
}

static void test_rsc(void)
{
    NetRsc *r = net_offload_rsc_new();
    Out o;

    /* Ten in order, the last one short and pushed: one super-packet. */
    for (int v6 = 0; v6 < 2; v6++) {
        out_init(&o);
        for (int i = 0; i < 10; i++) {
            add_seg(r, &o, v6, 5000 + i * 1000, TCP_ACK | (i == 9 ? TCP_PSH
                                                                   : 0),
                    i == 9 ? 300 : 1000, true);
        }
        g_assert(net_offload_rsc_pending(r));
        g_assert_cmpuint(o.frames->len, ==, 0);
        net_offload_rsc_flush(r, emit_hdr, &o);
        g_assert(!net_offload_rsc_pending(r));
        g_assert_cmpuint(o.frames->len, ==, 1);
        check_super(&o, 0, v6, 5000, 9300, 1000);
        out_free(&o);
    }

    /* A gap in the sequence starts a new one; a lone segment goes as it
     * came, marked checked. */
    out_init(&o);
    add_seg(r, &o, false, 100, TCP_ACK, 500, true);
    add_seg(r, &o, false, 600, TCP_ACK, 500, true);
    add_seg(r, &o, false, 2000, TCP_ACK, 500, true);
    net_offload_rsc_flush(r, emit_hdr, &o);
    g_assert_cmpuint(o.frames->len, ==, 2);
    check_super(&o, 0, false, 100, 1000, 500);
    g_assert_cmpuint(g_array_index(o.hdrs, VirtioNetHdr, 1).flags, ==,
                     VIRTIO_NET_HDR_F_DATA_VALID);
    g_assert_cmpuint(g_array_index(o.hdrs, VirtioNetHdr, 1).gso_type, ==, 0);
    g_assert_cmpuint(out_frame(&o, 1)->len, ==, 54 + 500);
    out_free(&o);

    /* A segment with a bad checksum is not kept and goes after what was
     * kept before it; FIN is not joined either. */
    out_init(&o);
    add_seg(r, &o, false, 100, TCP_ACK, 500, true);
    {
        static Frame f;

        build_tcp(&f, false, 0, 600, 9, TCP_ACK, false, 500, 1);
        set_l4_csum(&f, false, 6, 16);
        f.b[f.len - 1] ^= 1;
        g_assert(!net_offload_rsc_add(r, &lro, f.b, f.len, emit_hdr, &o));
        g_assert_cmpuint(o.frames->len, ==, 1);
    }
    add_seg(r, &o, false, 600, TCP_ACK | TCP_FIN, 500, false);
    g_assert(!net_offload_rsc_pending(r));
    out_free(&o);

    /* Pure ACKs: a later acknowledgement replaces the one kept, a
     * duplicate does not. */
    out_init(&o);
    for (uint32_t ack = 1000; ack < 6000; ack += 1000) {
        static Frame f;

        build_tcp(&f, false, 0, 1, ack, TCP_ACK, false, 0, 0);
        set_l4_csum(&f, false, 6, 16);
        g_assert(net_offload_rsc_add(r, &lro, f.b, f.len, emit_hdr, &o));
        if (ack == 5000) {
            g_assert(net_offload_rsc_add(r, &lro, f.b, f.len, emit_hdr, &o));
        }
    }
    net_offload_rsc_flush(r, emit_hdr, &o);
    g_assert_cmpuint(o.frames->len, ==, 2);
    for (int i = 0; i < 2; i++) {
        GByteArray *s = out_frame(&o, i);

        g_assert_cmpuint(be32(s->data + 34 + 8), ==, 5000);
        g_assert(net_offload_csum_ok(s->data, s->len));
    }
    out_free(&o);

    /* Without the receiver's offloads nothing is kept. */
    {
        static Frame f;
        NetOffloads none = { 0 };

        build_tcp(&f, false, 0, 1, 2, TCP_ACK, false, 100, 0);
        set_l4_csum(&f, false, 6, 16);
        out_init(&o);
        g_assert(!net_offload_rsc_add(r, &none, f.b, f.len, emit_hdr, &o));
        out_free(&o);
    }
    net_offload_rsc_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-offload/tso4", test_tso4);
    g_test_add_func("/net-offload/tso6", test_tso6);
    g_test_add_func("/net-offload/tso-vlan", test_tso_vlan);
    g_test_add_func("/net-offload/partial-csum", test_partial_csum);
    g_test_add_func("/net-offload/ufo", test_ufo);
    g_test_add_func("/net-offload/malformed", test_malformed);
    g_test_add_func("/net-offload/fuzz", test_fuzz);
    g_test_add_func("/net-offload/csum-ok", test_csum_ok);
    g_test_add_func("/net-offload/rsc", test_rsc);
    return g_test_run();
}
