/*
 * NS16550A UART ("serial") and its memory-mapped wrapper ("serial-mm").
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "hw/sysbus.h"
#include "chardev/char-fe.h"

#define UART_FIFO_LENGTH 16

#define TYPE_SERIAL "serial"
OBJECT_DECLARE_SIMPLE_TYPE(SerialState, SERIAL)

struct SerialState {
    DeviceState parent;

    uint16_t divider;
    uint8_t rbr;                /* receive register (non-FIFO mode) */
    uint8_t thr;
    uint8_t ier;
    uint8_t iir;                /* read only */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;                /* read only */
    uint8_t msr;                /* read only */
    uint8_t scr;
    uint8_t fcr;
    uint8_t thr_ipending;
    uint8_t timeout_ipending;
    uint8_t recv_fifo_itl;      /* interrupt trigger level */
    uint8_t tsr_retry;          /* watches in a row that found no room */
    guint watch_tag;            /* backend writable watch, 0 if none */
    /* Transmit FIFO (one entry deep with FIFOs off), as a ring. */
    uint8_t xmit_fifo[UART_FIFO_LENGTH];
    uint32_t xmit_head;
    uint32_t xmit_num;
    /* Receive FIFO as a ring. */
    uint8_t recv_fifo[UART_FIFO_LENGTH];
    uint32_t recv_head;
    uint32_t recv_num;

    qemu_irq irq;
    CharBackend chr;
    uint32_t baudbase;
    MemoryRegion io;
};

#define TYPE_SERIAL_MM "serial-mm"
OBJECT_DECLARE_SIMPLE_TYPE(SerialMM, SERIAL_MM)

struct SerialMM {
    SysBusDevice parent;

    SerialState serial;
    uint8_t regshift;
    uint8_t endianness;
};

extern const VMStateDescription vmstate_serial;

SerialMM *serial_mm_init(MemoryRegion *address_space, hwaddr base,
                         int regshift, qemu_irq irq, int baudbase,
                         Chardev *chr, enum device_endian end);

#endif
