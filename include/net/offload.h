/*
 * The virtio-net header that travels with a frame between a NIC and a
 * backend that understands it (tap with vnet_hdr), and the host-side
 * offload engine (net/offload.c) that stands in for such a backend:
 * finishing partial checksums, cutting TSO/UFO super-packets into wire
 * frames, checking received checksums, and joining a received TCP stream
 * back into large frames for a guest that takes them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NET_OFFLOAD_H
#define NET_OFFLOAD_H

#include "vireo/osdep.h"

/* struct virtio_net_hdr_mrg_rxbuf (virtio 1.x 5.1.6), fields little-endian. */
typedef struct __attribute__((packed)) VirtioNetHdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
} VirtioNetHdr;

#define VIRTIO_NET_HDR_LEN              12
#define VIRTIO_NET_HDR_F_NEEDS_CSUM     1
#define VIRTIO_NET_HDR_F_DATA_VALID     2
#define VIRTIO_NET_HDR_GSO_NONE         0
#define VIRTIO_NET_HDR_GSO_TCPV4        1
#define VIRTIO_NET_HDR_GSO_UDP          3
#define VIRTIO_NET_HDR_GSO_TCPV6        4
#define VIRTIO_NET_HDR_GSO_ECN          0x80

/* What a receiver takes in the headers given to it (QEMU's NetOffloads). */
typedef struct NetOffloads {
    bool csum;                  /* partial checksums, DATA_VALID */
    bool tso4, tso6, ecn, ufo;  /* super-packets of these kinds */
} NetOffloads;

typedef void NetOffloadEmit(void *opaque, const uint8_t *frame, size_t len);

/* Whether @hdr asks nothing of the receiver (DATA_VALID is only a hint). */
bool net_offload_hdr_plain(const VirtioNetHdr *hdr);
/* Whether a receiver taking @o can take a frame with @hdr as it is. */
bool net_offload_accepts(const NetOffloads *o, const VirtioNetHdr *hdr);

/*
 * Does for the frame @buf what @hdr asks, as a NIC would on the wire:
 * completes a partial checksum, or cuts a TCP (IPv4/IPv6) super-packet
 * into segments of gso_size bytes with their own lengths, sequence
 * numbers, flags, IPv4 ids and checksums, or fragments a UDP one.  Each
 * resulting ordinary frame goes to @emit.  Returns how many, or -1 with
 * nothing emitted when the header does not fit the frame.
 */
int net_offload_resolve(const VirtioNetHdr *hdr, const uint8_t *buf,
                        size_t size, NetOffloadEmit *emit, void *opaque);

/*
 * Whether @buf is a whole TCP or UDP packet over IPv4 or IPv6 whose
 * checksum is right, so that the receiver may skip checking it.
 */
bool net_offload_csum_ok(const uint8_t *buf, size_t size);

/*
 * Receive coalescing, for a receiver that takes TCP super-packets:
 * consecutive in-order segments of one flow are joined, as a kernel's GRO
 * joins them.  net_offload_rsc_add() keeps @buf when it can (true) and
 * otherwise returns false for the caller to deliver it as it is; either
 * way what was kept before and cannot go with @buf first leaves through
 * @emit, so the order of frames is kept.  A flush hands each kept
 * super-packet to @emit with its header.
 */
typedef struct NetRsc NetRsc;
typedef void NetRscEmit(void *opaque, const VirtioNetHdr *hdr,
                        const uint8_t *frame, size_t len);
NetRsc *net_offload_rsc_new(void);
void net_offload_rsc_free(NetRsc *r);
bool net_offload_rsc_add(NetRsc *r, const NetOffloads *o,
                         const uint8_t *buf, size_t size, NetRscEmit *emit,
                         void *opaque);
bool net_offload_rsc_pending(NetRsc *r);
void net_offload_rsc_flush(NetRsc *r, NetRscEmit *emit, void *opaque);

#endif
