/*
 * NS16550A UART: 16-byte receive FIFO, line status, interrupt
 * identification with the 16550's priorities, loopback, scratch register.
 * Transmission is immediate (no baud-rate timing); reception reads from
 * the character backend only while the FIFO has room.  "serial-mm" maps
 * the registers into memory with a register stride of 1 << regshift.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "hw/irq.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/char/serial.h"
#include "migration/vmstate.h"

#define UART_LCR_DLAB   0x80

#define UART_IER_MSI    0x08
#define UART_IER_RLSI   0x04
#define UART_IER_THRI   0x02
#define UART_IER_RDI    0x01

#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID     0x06
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c
#define UART_IIR_FE     0xc0

#define UART_MCR_LOOP   0x10
#define UART_MCR_OUT2   0x08
#define UART_MCR_OUT1   0x04
#define UART_MCR_RTS    0x02
#define UART_MCR_DTR    0x01

#define UART_MSR_DCD    0x80
#define UART_MSR_RI     0x40
#define UART_MSR_DSR    0x20
#define UART_MSR_CTS    0x10
#define UART_MSR_DDCD   0x08
#define UART_MSR_TERI   0x04
#define UART_MSR_DDSR   0x02
#define UART_MSR_DCTS   0x01
#define UART_MSR_ANY_DELTA 0x0f

#define UART_LSR_TEMT   0x40
#define UART_LSR_THRE   0x20
#define UART_LSR_BI     0x10
#define UART_LSR_FE     0x08
#define UART_LSR_PE     0x04
#define UART_LSR_OE     0x02
#define UART_LSR_DR     0x01
#define UART_LSR_INT_ANY 0x1e

#define UART_FCR_ITL_MASK 0xc0
#define UART_FCR_XFR    0x04
#define UART_FCR_RFR    0x02
#define UART_FCR_FE     0x01

static bool serial_fifo_on(SerialState *s)
{
    return s->fcr & UART_FCR_FE;
}

static void serial_update_irq(SerialState *s)
{
    uint8_t iir = UART_IIR_NO_INT;

    if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_INT_ANY)) {
        iir = UART_IIR_RLSI;
    } else if ((s->ier & UART_IER_RDI) && s->timeout_ipending) {
        iir = UART_IIR_CTI;
    } else if ((s->ier & UART_IER_RDI) && (s->lsr & UART_LSR_DR) &&
               (!serial_fifo_on(s) || s->recv_num >= s->recv_fifo_itl)) {
        iir = UART_IIR_RDI;
    } else if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        iir = UART_IIR_THRI;
    } else if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_ANY_DELTA)) {
        iir = UART_IIR_MSI;
    }
    s->iir = iir | (serial_fifo_on(s) ? UART_IIR_FE : 0);
    qemu_set_irq(s->irq, iir != UART_IIR_NO_INT);
}

static void serial_fifo_reset(SerialState *s)
{
    s->recv_head = 0;
    s->recv_num = 0;
}

/* Take bytes into the receiver (from the backend or loopback). */
static void serial_receive(SerialState *s, const uint8_t *buf, int size)
{
    if (!serial_fifo_on(s)) {
        if (size > 0) {
            if (s->lsr & UART_LSR_DR) {
                s->lsr |= UART_LSR_OE;
            }
            s->rbr = buf[size - 1];
            s->lsr |= UART_LSR_DR;
        }
    } else {
        for (int i = 0; i < size; i++) {
            if (s->recv_num == UART_FIFO_LENGTH) {
                s->lsr |= UART_LSR_OE;
                break;
            }
            s->recv_fifo[(s->recv_head + s->recv_num) % UART_FIFO_LENGTH] =
                buf[i];
            s->recv_num++;
        }
        if (s->recv_num) {
            s->lsr |= UART_LSR_DR;
            /* Below the trigger level the 16550 signals a character
             * timeout; it is reported at once here. */
            s->timeout_ipending = s->recv_num < s->recv_fifo_itl;
        }
    }
    serial_update_irq(s);
}

#define MAX_XMIT_RETRY 4

static void serial_xmit(SerialState *s);

/* The backend can take output again. */
static gboolean serial_watch_cb(void *do_not_use, GIOCondition cond,
                                void *opaque)
{
    SerialState *s = opaque;

    s->watch_tag = 0;
    serial_xmit(s);
    return G_SOURCE_REMOVE;
}

static void serial_xmit_fifo_reset(SerialState *s)
{
    s->xmit_head = s->xmit_num = 0;
}

/*
 * Drain the transmit FIFO into the backend.  A backend that cannot take
 * more now gets a watch, THRE staying clear meanwhile (the guest waits,
 * as with a slow line); the vCPU never blocks on it.  Bytes are dropped
 * only when the backend makes no progress over several watches (a peer
 * that is gone), as QEMU does.
 */
static void serial_xmit(SerialState *s)
{
    while (s->xmit_num) {
        uint32_t n = MIN(s->xmit_num, UART_FIFO_LENGTH - s->xmit_head);
        const uint8_t *p = s->xmit_fifo + s->xmit_head;
        int done;

        if (s->mcr & UART_MCR_LOOP) {
            serial_receive(s, p, n);
            done = n;
        } else if (!qemu_chr_fe_backend_connected(&s->chr)) {
            done = n;
        } else {
            done = qemu_chr_fe_write(&s->chr, p, n);
        }
        if (done <= 0) {
            if (s->tsr_retry < MAX_XMIT_RETRY) {
                s->watch_tag = qemu_chr_fe_add_watch(&s->chr,
                                                     G_IO_OUT | G_IO_HUP,
                                                     serial_watch_cb, s);
                if (s->watch_tag > 0) {
                    s->tsr_retry++;
                    return;
                }
            }
            done = n;           /* give up on these bytes */
        }
        s->tsr_retry = 0;
        s->xmit_head = (s->xmit_head + done) % UART_FIFO_LENGTH;
        s->xmit_num -= done;
    }
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = 1;
    serial_update_irq(s);
}

static void serial_update_msr_loopback(SerialState *s)
{
    uint8_t old = s->msr;
    uint8_t msr = 0;

    if (s->mcr & UART_MCR_LOOP) {
        msr |= (s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0;
        msr |= (s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0;
        msr |= (s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0;
        msr |= (s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0;
    } else {
        msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    }
    if ((old ^ msr) & UART_MSR_CTS) {
        msr |= UART_MSR_DCTS;
    }
    if ((old ^ msr) & UART_MSR_DSR) {
        msr |= UART_MSR_DDSR;
    }
    if ((old ^ msr) & UART_MSR_DCD) {
        msr |= UART_MSR_DDCD;
    }
    if ((old & UART_MSR_RI) && !(msr & UART_MSR_RI)) {
        msr |= UART_MSR_TERI;
    }
    s->msr = msr | (old & UART_MSR_ANY_DELTA);
}

static void serial_ioport_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    SerialState *s = opaque;

    switch (addr & 7) {
    case 0:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0xff00) | (val & 0xff);
        } else {
            s->thr_ipending = 0;
            if (s->xmit_num >= (serial_fifo_on(s) ? UART_FIFO_LENGTH : 1)) {
                /* The guest did not wait for room: this byte is lost. */
                qemu_log_mask(LOG_GUEST_ERROR, "serial: THR written while "
                              "the transmitter is full\n");
                break;
            }
            s->thr = val;
            s->xmit_fifo[(s->xmit_head + s->xmit_num++) % UART_FIFO_LENGTH] =
                val;
            s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
            serial_update_irq(s);
            if (!s->watch_tag) {
                serial_xmit(s);
            }
        }
        break;
    case 1:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0x00ff) | ((val & 0xff) << 8);
        } else {
            uint8_t changed = (s->ier ^ val) & 0x0f;
            s->ier = val & 0x0f;
            /* Enabling THRI with THR empty interrupts at once. */
            if ((changed & UART_IER_THRI) && (s->ier & UART_IER_THRI) &&
                (s->lsr & UART_LSR_THRE)) {
                s->thr_ipending = 1;
            }
            serial_update_irq(s);
        }
        break;
    case 2:
        if ((val ^ s->fcr) & UART_FCR_FE) {
            val |= UART_FCR_XFR | UART_FCR_RFR;     /* mode change clears */
        }
        if (val & UART_FCR_RFR) {
            s->lsr &= ~(UART_LSR_DR | UART_LSR_BI);
            s->timeout_ipending = 0;
            serial_fifo_reset(s);
        }
        if (val & UART_FCR_XFR) {
            serial_xmit_fifo_reset(s);
            s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
            s->thr_ipending = 1;
        }
        s->fcr = val & 0xc9;
        switch (val & UART_FCR_ITL_MASK) {
        case 0x00:
            s->recv_fifo_itl = 1;
            break;
        case 0x40:
            s->recv_fifo_itl = 4;
            break;
        case 0x80:
            s->recv_fifo_itl = 8;
            break;
        default:
            s->recv_fifo_itl = 14;
            break;
        }
        serial_update_irq(s);
        break;
    case 3:
        s->lcr = val;
        break;
    case 4:
        s->mcr = val & 0x1f;
        serial_update_msr_loopback(s);
        serial_update_irq(s);
        break;
    case 5:
        break;                  /* LSR is read only */
    case 6:
        break;                  /* MSR is read only */
    case 7:
        s->scr = val;
        break;
    }
}

static uint64_t serial_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint64_t ret = 0;

    switch (addr & 7) {
    case 0:
        if (s->lcr & UART_LCR_DLAB) {
            return s->divider & 0xff;
        }
        if (serial_fifo_on(s)) {
            if (s->recv_num) {
                ret = s->recv_fifo[s->recv_head];
                s->recv_head = (s->recv_head + 1) % UART_FIFO_LENGTH;
                s->recv_num--;
            }
            if (s->recv_num == 0) {
                s->lsr &= ~(UART_LSR_DR | UART_LSR_BI);
            }
            s->timeout_ipending = s->recv_num &&
                                  s->recv_num < s->recv_fifo_itl;
        } else {
            ret = s->rbr;
            s->lsr &= ~(UART_LSR_DR | UART_LSR_BI);
        }
        serial_update_irq(s);
        if (!(s->mcr & UART_MCR_LOOP)) {
            qemu_chr_fe_accept_input(&s->chr);
        }
        return ret;
    case 1:
        if (s->lcr & UART_LCR_DLAB) {
            return (s->divider >> 8) & 0xff;
        }
        return s->ier;
    case 2:
        ret = s->iir;
        if ((ret & UART_IIR_ID) == UART_IIR_THRI) {
            s->thr_ipending = 0;
            serial_update_irq(s);
        }
        return ret;
    case 3:
        return s->lcr;
    case 4:
        return s->mcr;
    case 5:
        ret = s->lsr;
        if (s->lsr & (UART_LSR_BI | UART_LSR_OE)) {
            s->lsr &= ~(UART_LSR_BI | UART_LSR_OE);
            serial_update_irq(s);
        }
        return ret;
    case 6:
        ret = s->msr;
        if (s->msr & UART_MSR_ANY_DELTA) {
            s->msr &= ~UART_MSR_ANY_DELTA;
            serial_update_irq(s);
        }
        return ret;
    default:
        return s->scr;
    }
}

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    if (s->mcr & UART_MCR_LOOP) {
        return 0;
    }
    if (serial_fifo_on(s)) {
        return UART_FIFO_LENGTH - s->recv_num;
    }
    return (s->lsr & UART_LSR_DR) ? 0 : 1;
}

static void serial_receive1(void *opaque, const uint8_t *buf, int size)
{
    serial_receive(opaque, buf, size);
}

static void serial_event(void *opaque, QEMUChrEvent event)
{
    SerialState *s = opaque;

    if (event == CHR_EVENT_BREAK) {
        uint8_t zero = 0;
        serial_receive(s, &zero, 1);
        s->lsr |= UART_LSR_BI | UART_LSR_DR;
        serial_update_irq(s);
    }
}

static void serial_reset(void *opaque)
{
    SerialState *s = opaque;

    s->rbr = 0;
    s->ier = 0;
    s->iir = UART_IIR_NO_INT;
    s->lcr = 0;
    s->lsr = UART_LSR_TEMT | UART_LSR_THRE;
    s->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    s->divider = 0x0c;
    s->mcr = UART_MCR_OUT2;
    s->scr = 0;
    s->fcr = 0;
    s->thr_ipending = 0;
    s->timeout_ipending = 0;
    s->recv_fifo_itl = 1;
    serial_fifo_reset(s);
    serial_xmit_fifo_reset(s);
    if (s->watch_tag) {
        g_source_remove(s->watch_tag);
        s->watch_tag = 0;
    }
    s->tsr_retry = 0;
    qemu_irq_lower(s->irq);
}

static void serial_realize(DeviceState *dev, Error **errp)
{
    SerialState *s = SERIAL(dev);

    qemu_chr_fe_set_handlers(&s->chr, serial_can_receive, serial_receive1,
                             serial_event, NULL, s, NULL, true);
    serial_reset(s);
}

static void serial_device_reset(DeviceState *dev)
{
    serial_reset(SERIAL(dev));
}

static int serial_post_load(void *opaque, int version_id)
{
    SerialState *s = opaque;

    if (s->recv_num > UART_FIFO_LENGTH || s->recv_head >= UART_FIFO_LENGTH) {
        return -EINVAL;
    }
    serial_update_irq(s);
    return 0;
}

const VMStateDescription vmstate_serial = {
    .name = "serial",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = serial_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(divider, SerialState),
        VMSTATE_UINT8(rbr, SerialState),
        VMSTATE_UINT8(thr, SerialState),
        VMSTATE_UINT8(ier, SerialState),
        VMSTATE_UINT8(iir, SerialState),
        VMSTATE_UINT8(lcr, SerialState),
        VMSTATE_UINT8(mcr, SerialState),
        VMSTATE_UINT8(lsr, SerialState),
        VMSTATE_UINT8(msr, SerialState),
        VMSTATE_UINT8(scr, SerialState),
        VMSTATE_UINT8(fcr, SerialState),
        VMSTATE_UINT8(thr_ipending, SerialState),
        VMSTATE_UINT8(timeout_ipending, SerialState),
        VMSTATE_UINT8(recv_fifo_itl, SerialState),
        VMSTATE_UINT8_ARRAY(recv_fifo, SerialState, UART_FIFO_LENGTH),
        VMSTATE_UINT32(recv_head, SerialState),
        VMSTATE_UINT32(recv_num, SerialState),
        VMSTATE_UINT8_ARRAY(xmit_fifo, SerialState, UART_FIFO_LENGTH),
        VMSTATE_UINT32(xmit_head, SerialState),
        VMSTATE_UINT32(xmit_num, SerialState),
        VMSTATE_END_OF_LIST()
    }
};

static Property serial_properties[] = {
    DEFINE_PROP_CHR("chardev", SerialState, chr),
    DEFINE_PROP_UINT32("baudbase", SerialState, baudbase, 115200),
    DEFINE_PROP_END_OF_LIST(),
};

static void serial_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->user_creatable = false;
    dc->realize = serial_realize;
    dc->vmsd = &vmstate_serial;
    device_class_set_legacy_reset(dc, serial_device_reset);
    device_class_set_props(dc, serial_properties);
}

/* serial-mm: registers 1 << regshift apart, byte-wide accesses at most. */
static uint64_t serial_mm_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialMM *s = opaque;

    return serial_ioport_read(&s->serial, addr >> s->regshift, 1);
}

static void serial_mm_write(void *opaque, hwaddr addr, uint64_t value,
                            unsigned size)
{
    SerialMM *s = opaque;

    serial_ioport_write(&s->serial, addr >> s->regshift, value & 0xff, 1);
}

static const MemoryRegionOps serial_mm_ops = {
    .read = serial_mm_read,
    .write = serial_mm_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static void serial_mm_realize(DeviceState *dev, Error **errp)
{
    SerialMM *smm = SERIAL_MM(dev);
    SerialState *s = &smm->serial;

    if (!qdev_realize(DEVICE(s), NULL, errp)) {
        return;
    }
    memory_region_init_io(&s->io, OBJECT(dev), &serial_mm_ops, smm, "serial",
                          8 << smm->regshift);
    sysbus_init_mmio(SYS_BUS_DEVICE(smm), &s->io);
    sysbus_init_irq(SYS_BUS_DEVICE(smm), &s->irq);
}

static const VMStateDescription vmstate_serial_mm = {
    .name = "serial",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(serial, SerialMM, 0, vmstate_serial, SerialState),
        VMSTATE_END_OF_LIST()
    }
};

static void serial_mm_instance_init(Object *o)
{
    SerialMM *smm = SERIAL_MM(o);

    object_initialize_child(o, "serial", &smm->serial, TYPE_SERIAL);
}

static Property serial_mm_properties[] = {
    DEFINE_PROP_UINT8("regshift", SerialMM, regshift, 0),
    DEFINE_PROP_UINT8("endianness", SerialMM, endianness,
                      DEVICE_NATIVE_ENDIAN),
    DEFINE_PROP_END_OF_LIST(),
};

static void serial_mm_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, serial_mm_properties);
    dc->realize = serial_mm_realize;
    dc->vmsd = &vmstate_serial_mm;
}

SerialMM *serial_mm_init(MemoryRegion *address_space, hwaddr base,
                         int regshift, qemu_irq irq, int baudbase,
                         Chardev *chr, enum device_endian end)
{
    SerialMM *smm = SERIAL_MM(qdev_new(TYPE_SERIAL_MM));
    MemoryRegion *mr;

    qdev_prop_set_uint8(DEVICE(smm), "regshift", regshift);
    qdev_prop_set_uint8(DEVICE(smm), "endianness", end);
    qdev_prop_set_uint32(DEVICE(&smm->serial), "baudbase", baudbase);
    qdev_prop_set_chr(DEVICE(&smm->serial), "chardev", chr);
    sysbus_realize_and_unref(SYS_BUS_DEVICE(smm), &error_fatal);
    sysbus_connect_irq(SYS_BUS_DEVICE(smm), 0, irq);
    mr = sysbus_mmio_get_region(SYS_BUS_DEVICE(smm), 0);
    memory_region_add_subregion(address_space, base, mr);
    return smm;
}

static const TypeInfo serial_types[] = {
    {
        .name = TYPE_SERIAL,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(SerialState),
        .class_init = serial_class_init,
    },
    {
        .name = TYPE_SERIAL_MM,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(SerialMM),
        .instance_init = serial_mm_instance_init,
        .class_init = serial_mm_class_init,
    },
};

DEFINE_TYPES(serial_types)
