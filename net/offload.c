/*
 * Host-side offloads: what a NIC with checksum offload, TSO/UFO and
 * receive coalescing does, for backends that only carry ordinary frames
 * (user, stream, dgram, socket, hubs).  Everything here parses frames a
 * guest or a network peer wrote, so every length is checked before use
 * and a malformed frame is refused as a whole.
 *
 * Checksums are summed over native 16-bit words and stored the same way:
 * the one's complement sum does not depend on byte order (RFC 1071), so
 * only the pseudo-header's numbers need building in network order.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "net/offload.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPV6_FRAG_HDR 44

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Largest IP packet a frame here may carry (IPv4 total length). */
#define IP_MAX 65535

static inline uint16_t rd16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* ---- Checksums ---- */

/* Adds @len bytes at @p, which start at an even offset of the sum. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        uint64_t v;

        memcpy(&v, p, 8);
        sum += (v & 0xffffffff) + (v >> 32);
        p += 8;
        len -= 8;
    }
    while (len >= 2) {
        uint16_t v;

        memcpy(&v, p, 2);
        sum += v;
        p += 2;
        len -= 2;
    }
    if (len) {
        uint16_t v = 0;

        memcpy(&v, p, 1);       /* the odd byte, padded with a zero */
        sum += v;
    }
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Stores the complement of @sum at @p (as a native word: see above). */
static void csum_store(uint8_t *p, uint64_t sum, bool udp)
{
    uint16_t v = ~csum_fold(sum);

    if (udp && v == 0) {
        v = 0xffff;             /* 0 would mean "no checksum" */
    }
    memcpy(p, &v, 2);
}

/* The TCP/UDP pseudo header of an IPv4 or IPv6 packet at @l3. */
static uint64_t csum_pseudo(const uint8_t *l3, bool v6, uint8_t proto,
                            uint32_t l4len)
{
    uint8_t tail[8] = { 0 };

    wr32(tail, l4len);
    tail[7] = proto;
    if (v6) {
        return csum_add(csum_add(0, l3 + 8, 32), tail, 8);
    }
    return csum_add(csum_add(0, l3 + 12, 8), tail, 8);
}

static void ipv4_set_csum(uint8_t *ip, size_t ihl)
{
    ip[10] = ip[11] = 0;
    csum_store(ip + 10, csum_add(0, ip, ihl), false);
}

/* ---- Parsing ---- */

typedef struct Pkt {
    size_t l3;          /* IP header */
    bool v6;
    size_t l4;          /* TCP/UDP header */
    uint8_t proto;      /* of the L4 header (0: something else) */
    size_t proto_at;    /* the byte naming it (IPv4 protocol, next header) */
    size_t hlen;        /* end of the L4 header */
    size_t ip_end;      /* end of the IP packet by its length field */
    bool fragment;
} Pkt;

/*
 * Finds the IP and L4 headers of @buf.  False when it is not IP or its
 * headers do not fit; *p->proto is 0 for IP carrying neither TCP nor UDP.
 */
static bool parse(const uint8_t *buf, size_t size, Pkt *p)
{
    size_t off = ETH_HLEN;
    uint16_t type;

    memset(p, 0, sizeof(*p));
    if (size < ETH_HLEN) {
        return false;
    }
    type = rd16(buf + 12);
    for (int tags = 0; (type == ETH_P_8021Q || type == ETH_P_8021AD) &&
                       tags < 2; tags++) {
        if (size < off + 4) {
            return false;
        }
        type = rd16(buf + off + 2);
        off += 4;
    }
    p->l3 = off;
    if (type == ETH_P_IP) {
        const uint8_t *ip = buf + off;
        size_t ihl;

        if (size < off + 20 || (ip[0] >> 4) != 4) {
            return false;
        }
        ihl = (ip[0] & 15) * 4;
        if (ihl < 20 || size < off + ihl) {
            return false;
        }
        p->ip_end = off + rd16(ip + 2);
        p->fragment = (rd16(ip + 6) & 0x3fff) != 0;
        p->proto = ip[9];
        p->proto_at = off + 9;
        off += ihl;
    } else if (type == ETH_P_IPV6) {
        const uint8_t *ip = buf + off;
        uint8_t next;

        if (size < off + 40 || (ip[0] >> 4) != 6) {
            return false;
        }
        p->v6 = true;
        p->ip_end = off + 40 + rd16(ip + 4);
        next = ip[6];
        p->proto_at = off + 6;
        off += 40;
        /* Hop-by-hop, routing and destination options may come first. */
        for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 60);
             i++) {
            if (size < off + 8) {
                return false;
            }
            p->proto_at = off;
            next = buf[off];
            off += (buf[off + 1] + 1) * 8;
        }
        if (next == IPV6_FRAG_HDR) {
            p->fragment = true;
        }
        p->proto = next;
    } else {
        return false;
    }
    p->l4 = off;
    if (p->fragment) {
        p->proto = 0;
        return true;
    }
    if (p->proto == IPPROTO_TCP_) {
        size_t doff;

        if (size < off + 20) {
            return false;
        }
        doff = (buf[off + 12] >> 4) * 4;
        if (doff < 20 || size < off + doff) {
            return false;
        }
        p->hlen = off + doff;
    } else if (p->proto == IPPROTO_UDP_) {
        if (size < off + 8) {
            return false;
        }
        p->hlen = off + 8;
    } else {
        p->proto = 0;
    }
    return true;
}

/* ---- Transmit: checksums and segmentation ---- */

bool net_offload_hdr_plain(const VirtioNetHdr *hdr)
{
    return !(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
           hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE;
}

bool net_offload_accepts(const NetOffloads *o, const VirtioNetHdr *hdr)
{
    if ((hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !o->csum) {
        return false;
    }
    if ((hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN) && !o->ecn) {
        return false;
    }
    switch (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return true;
    case VIRTIO_NET_HDR_GSO_TCPV4:
        return o->tso4;
    case VIRTIO_NET_HDR_GSO_TCPV6:
        return o->tso6;
    case VIRTIO_NET_HDR_GSO_UDP:
        return o->ufo;
    default:
        return false;
    }
}

/* Cuts a TCP super-packet into segments of @mss payload bytes. */
static int segment_tcp(const uint8_t *buf, size_t size, const Pkt *p,
                       size_t mss, NetOffloadEmit *emit, void *opaque)
{
    size_t payload = size - p->hlen;
    size_t hl = p->hlen;
    uint32_t seq = rd32(buf + p->l4 + 4);
    uint16_t id = p->v6 ? 0 : rd16(buf + p->l3 + 4);
    g_autofree uint8_t *seg = g_malloc(hl + MIN(mss, payload));
    uint8_t *ip = seg + p->l3, *th = seg + p->l4;
    size_t off = 0;
    int n = 0;

    memcpy(seg, buf, hl);
    do {
        size_t len = MIN(mss, payload - off);
        bool last = off + len == payload;

        memcpy(seg + hl, buf + hl + off, len);
        if (p->v6) {
            wr16(ip + 4, hl - p->l3 - 40 + len);
        } else {
            wr16(ip + 2, hl - p->l3 + len);
            wr16(ip + 4, id + n);
            ipv4_set_csum(ip, p->l4 - p->l3);
        }
        wr32(th + 4, seq + off);
        th[13] = buf[p->l4 + 13];
        if (!last) {
            th[13] &= ~(TCP_FIN | TCP_PSH);
        }
        if (n) {
            th[13] &= ~TCP_CWR;     /* congestion signal once, as TSO */
        }
        th[16] = th[17] = 0;
        csum_store(th + 16, csum_add(csum_pseudo(ip, p->v6, IPPROTO_TCP_,
                                                 hl - p->l4 + len),
                                     th, hl - p->l4 + len), false);
        emit(opaque, seg, hl + len);
        n++;
        off += len;
    } while (off < payload);
    return n;
}

static uint32_t ipv6_frag_id(void)
{
    static uint32_t next;

    if (!next) {
        next = g_random_int() | 1;
    }
    return next++;
}

/*
 * UFO: the UDP datagram gets its checksum, then travels as IP fragments
 * of @fraglen payload bytes (a multiple of 8), the UDP header in the
 * first one, as the kernel's UFO does.
 */
static int fragment_udp(const uint8_t *buf, size_t size, const Pkt *p,
                        size_t fraglen, NetOffloadEmit *emit, void *opaque)
{
    size_t l4len = size - p->l4;
    size_t unfrag = p->l4;          /* headers every fragment repeats */
    size_t fh = p->v6 ? 8 : 0;      /* IPv6 fragment header */
    g_autofree uint8_t *dgram = g_memdup2(buf, size);
    g_autofree uint8_t *frag = g_malloc(unfrag + fh + fraglen);
    uint32_t ident = p->v6 ? ipv6_frag_id() : 0;
    size_t off = 0;
    int n = 0;

    wr16(dgram + p->l4 + 4, l4len);
    dgram[p->l4 + 6] = dgram[p->l4 + 7] = 0;
    csum_store(dgram + p->l4 + 6,
               csum_add(csum_pseudo(dgram + p->l3, p->v6, IPPROTO_UDP_,
                                    l4len), dgram + p->l4, l4len), true);
    memcpy(frag, dgram, unfrag);
    if (p->v6) {
        frag[p->proto_at] = IPV6_FRAG_HDR;
    }
    do {
        size_t len = MIN(fraglen, l4len - off);
        bool more = off + len < l4len;
        uint8_t *ip = frag + p->l3;

        if (p->v6) {
            uint8_t *f = frag + unfrag;

            f[0] = IPPROTO_UDP_;
            f[1] = 0;
            wr16(f + 2, off | more);
            wr32(f + 4, ident);
            wr16(ip + 4, unfrag - p->l3 - 40 + fh + len);
        } else {
            wr16(ip + 2, unfrag - p->l3 + len);
            wr16(ip + 6, (off / 8) | (more ? 0x2000 : 0));
            ipv4_set_csum(ip, p->l4 - p->l3);
        }
        memcpy(frag + unfrag + fh, dgram + p->l4 + off, len);
        emit(opaque, frag, unfrag + fh + len);
        n++;
        off += len;
    } while (off < l4len);
    return n;
}

int net_offload_resolve(const VirtioNetHdr *hdr, const uint8_t *buf,
                        size_t size, NetOffloadEmit *emit, void *opaque)
{
    size_t csum_start = GUINT16_FROM_LE(hdr->csum_start);
    size_t csum_offset = GUINT16_FROM_LE(hdr->csum_offset);
    size_t gso_size = GUINT16_FROM_LE(hdr->gso_size);
    uint8_t gso = hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
    Pkt p;

    if ((hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
        (csum_start >= size || csum_offset + 2 > size - csum_start)) {
        return -1;
    }
    if (gso == VIRTIO_NET_HDR_GSO_NONE) {
        if (hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
            return -1;          /* ECN alone means nothing */
        }
        if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
            g_autofree uint8_t *f = g_memdup2(buf, size);
            bool udp = parse(buf, size, &p) && p.proto == IPPROTO_UDP_ &&
                       p.l4 == csum_start;

            /* The guest put the pseudo-header sum in the field. */
            csum_store(f + csum_start + csum_offset,
                       csum_add(0, f + csum_start, size - csum_start), udp);
            emit(opaque, f, size);
            return 1;
        }
        emit(opaque, buf, size);
        return 1;
    }
    if (gso_size == 0 || GUINT16_FROM_LE(hdr->hdr_len) > size ||
        !parse(buf, size, &p) || p.fragment || size - p.l3 > IP_MAX) {
        return -1;
    }
    switch (gso) {
    case VIRTIO_NET_HDR_GSO_TCPV4:
    case VIRTIO_NET_HDR_GSO_TCPV6:
        if (p.proto != IPPROTO_TCP_ ||
            p.v6 != (gso == VIRTIO_NET_HDR_GSO_TCPV6)) {
            return -1;
        }
        if (p.hlen == size) {
            /* Nothing to cut: one segment, headers only. */
            return segment_tcp(buf, size, &p, 1, emit, opaque);
        }
        return segment_tcp(buf, size, &p, gso_size, emit, opaque);
    case VIRTIO_NET_HDR_GSO_UDP:
        if (p.proto != IPPROTO_UDP_ || gso_size < 8) {
            return -1;
        }
        return fragment_udp(buf, size, &p, gso_size & ~7, emit, opaque);
    default:
        return -1;
    }
}

/* ---- Receive: checksum check ---- */

bool net_offload_csum_ok(const uint8_t *buf, size_t size)
{
    Pkt p;
    size_t l4len;
    const uint8_t *ck;

    if (!parse(buf, size, &p) || !p.proto || p.ip_end > size ||
        p.ip_end < p.hlen) {
        return false;
    }
    l4len = p.ip_end - p.l4;
    ck = buf + p.l4 + (p.proto == IPPROTO_TCP_ ? 16 : 6);
    if (p.proto == IPPROTO_UDP_) {
        if (rd16(buf + p.l4 + 4) != l4len) {
            return false;
        }
        if (!p.v6 && !ck[0] && !ck[1]) {
            return false;       /* no checksum: nothing was checked */
        }
    }
    if (!p.v6) {
        /* The IPv4 header itself, which the guest would also check. */
        if (csum_fold(csum_add(0, buf + p.l3, p.l4 - p.l3)) != 0xffff) {
            return false;
        }
    }
    return csum_fold(csum_add(csum_pseudo(buf + p.l3, p.v6, p.proto, l4len),
                              buf + p.l4, l4len)) == 0xffff;
}

/* ---- Receive coalescing ---- */

#define RSC_MAX_SEGS 64

struct NetRsc {
    uint8_t *buf;               /* the super-packet being built */
    size_t len;
    Pkt p;
    size_t mss;                 /* payload of the first segment */
    unsigned segs;
    uint32_t next_seq;
    bool closed;                /* a short or PSH segment ended it */
    bool ack_only;              /* a pure ACK, replaced by later ones */
};

NetRsc *net_offload_rsc_new(void)
{
    NetRsc *r = g_new0(NetRsc, 1);

    r->buf = g_malloc(ETH_HLEN + 8 + IP_MAX);
    return r;
}

void net_offload_rsc_free(NetRsc *r)
{
    if (r) {
        g_free(r->buf);
        g_free(r);
    }
}

bool net_offload_rsc_pending(NetRsc *r)
{
    return r->segs > 0;
}

/*
 * A segment that may be joined: plain TCP over IPv4 without options or
 * IPv6 without extension headers, nothing but ACK (and PSH with data)
 * set, no ECN congestion mark, no padding, and a right checksum (what
 * leaves here goes to the guest as verified).
 */
static bool rsc_candidate(const NetOffloads *o, const uint8_t *buf,
                          size_t size, Pkt *p)
{
    uint8_t flags;

    if (!o->csum || !parse(buf, size, p) || p->proto != IPPROTO_TCP_ ||
        p->l3 != ETH_HLEN || p->ip_end != size) {
        return false;
    }
    if (p->v6 ? !o->tso6 || p->l4 != p->l3 + 40 ||
                (buf[p->l3 + 1] & 0x30) == 0x30
              : !o->tso4 || p->l4 != p->l3 + 20 ||
                (buf[p->l3 + 1] & 3) == 3) {
        return false;           /* options or a congestion mark */
    }
    flags = buf[p->l4 + 13];
    if (size == p->hlen ? flags != TCP_ACK : (flags & ~TCP_PSH) != TCP_ACK) {
        return false;
    }
    return net_offload_csum_ok(buf, size);
}

/* Same flow, same IP and TCP header fields but those that may move. */
static bool rsc_same_flow(NetRsc *r, const uint8_t *buf, const Pkt *p)
{
    const uint8_t *a = r->buf, *b = buf;

    if (p->v6 != r->p.v6 || p->hlen != r->p.hlen ||
        memcmp(a, b, ETH_HLEN)) {
        return false;
    }
    if (p->v6) {
        if (memcmp(a + p->l3, b + p->l3, 4) ||
            memcmp(a + p->l3 + 6, b + p->l3 + 6, 34)) {
            return false;
        }
    } else if (a[p->l3 + 1] != b[p->l3 + 1] ||
               memcmp(a + p->l3 + 6, b + p->l3 + 6, 4) ||
               memcmp(a + p->l3 + 12, b + p->l3 + 12, 8)) {
        return false;
    }
    /* Ports and options. */
    return !memcmp(a + p->l4, b + p->l4, 4) &&
           !memcmp(a + p->l4 + 20, b + p->l4 + 20, p->hlen - p->l4 - 20);
}

/* Whether @buf continues the chain of data in @r. */
static bool rsc_continues(NetRsc *r, const uint8_t *buf, size_t size,
                          const Pkt *p)
{
    size_t payload = size - p->hlen;

    if (r->ack_only || r->closed || payload > r->mss ||
        r->segs >= RSC_MAX_SEGS || r->len + payload - r->p.l3 > IP_MAX ||
        !rsc_same_flow(r, buf, p)) {
        return false;
    }
    return rd32(buf + p->l4 + 4) == r->next_seq &&
           !memcmp(r->buf + p->l4 + 8, buf + p->l4 + 8, 4);
}

/*
 * Whether the pure ACK @buf supersedes the one in @r: same flow and
 * sequence number, a later acknowledgement (a duplicate ACK is news to
 * the sender and stays), as LRO's ACK compression.
 */
static bool rsc_ack_supersedes(NetRsc *r, const uint8_t *buf, const Pkt *p)
{
    return r->ack_only && rsc_same_flow(r, buf, p) &&
           rd32(r->buf + p->l4 + 4) == rd32(buf + p->l4 + 4) &&
           (int32_t)(rd32(buf + p->l4 + 8) - rd32(r->buf + p->l4 + 8)) > 0;
}

bool net_offload_rsc_add(NetRsc *r, const NetOffloads *o,
                         const uint8_t *buf, size_t size, NetRscEmit *emit,
                         void *opaque)
{
    Pkt p;
    size_t payload;

    if (!rsc_candidate(o, buf, size, &p)) {
        net_offload_rsc_flush(r, emit, opaque);
        return false;
    }
    payload = size - p.hlen;
    if (!payload) {
        if (!r->segs || !rsc_ack_supersedes(r, buf, &p)) {
            net_offload_rsc_flush(r, emit, opaque);
        }
        memcpy(r->buf, buf, size);
        r->len = size;
        r->p = p;
        r->segs = 1;
        r->ack_only = true;
        return true;
    }
    if (r->segs && !rsc_continues(r, buf, size, &p)) {
        net_offload_rsc_flush(r, emit, opaque);
    }
    if (!r->segs) {
        memcpy(r->buf, buf, size);
        r->len = size;
        r->p = p;
        r->mss = payload;
        r->closed = false;
        r->ack_only = false;
    } else {
        memcpy(r->buf + r->len, buf + p.hlen, payload);
        r->len += payload;
        /* The latest window and PSH count. */
        memcpy(r->buf + p.l4 + 14, buf + p.l4 + 14, 2);
        r->buf[p.l4 + 13] |= buf[p.l4 + 13] & TCP_PSH;
    }
    r->segs++;
    r->next_seq = rd32(buf + p.l4 + 4) + payload;
    if (payload < r->mss || (buf[p.l4 + 13] & TCP_PSH)) {
        r->closed = true;
    }
    return true;
}

void net_offload_rsc_flush(NetRsc *r, NetRscEmit *emit, void *opaque)
{
    const Pkt *p = &r->p;
    uint8_t *ip = r->buf + p->l3;
    VirtioNetHdr hdr = { 0 };
    unsigned segs = r->segs;
    uint64_t sum;

    if (!segs) {
        return;
    }
    r->segs = 0;
    if (segs == 1) {
        hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;    /* checked on entry */
        emit(opaque, &hdr, r->buf, r->len);
        return;
    }
    if (p->v6) {
        wr16(ip + 4, r->len - p->l3 - 40);
    } else {
        wr16(ip + 2, r->len - p->l3);
        ipv4_set_csum(ip, p->l4 - p->l3);
    }
    /*
     * As a kernel's GRO hands it on: checksum partial (the segments were
     * checked), the field holding the pseudo-header sum.
     */
    sum = csum_pseudo(ip, p->v6, IPPROTO_TCP_, r->len - p->l4);
    {
        uint16_t v = csum_fold(sum);

        memcpy(r->buf + p->l4 + 16, &v, 2);
    }
    hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr.gso_type = p->v6 ? VIRTIO_NET_HDR_GSO_TCPV6
                         : VIRTIO_NET_HDR_GSO_TCPV4;
    hdr.gso_size = GUINT16_TO_LE(r->mss);
    hdr.hdr_len = GUINT16_TO_LE(p->hlen);
    hdr.csum_start = GUINT16_TO_LE(p->l4);
    hdr.csum_offset = GUINT16_TO_LE(16);
    emit(opaque, &hdr, r->buf, r->len);
}
