/*
 * Interrupt lines between devices: a qemu_irq calls its handler with
 * the line's new level.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include "hw/qdev-core.h"

#define TYPE_IRQ "irq"

void qemu_set_irq(qemu_irq irq, int level);
static inline void qemu_irq_raise(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
}
static inline void qemu_irq_lower(qemu_irq irq)
{
    qemu_set_irq(irq, 0);
}
static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}
qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);
qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n);
void qemu_free_irq(qemu_irq irq);

#endif
