/*
 * Unit tests for the RV64GC decoder and disassembler.  The expected texts
 * were produced by GNU objdump (-M no-aliases) from the same encodings, taken
 * from a Linux kernel image and from hand-written assembly.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "target/riscv/decode.h"

typedef struct DecodeCase {
    uint32_t raw;
    uint64_t pc;
    const char *text;
} DecodeCase;

static const DecodeCase cases[] = {
    { 0x000090ae, 0x1014, "add ra,ra,a1" },
    { 0x013b8b33, 0x2766, "add s6,s7,s3" },
    { 0x00005a4d, 0x0, "addi s4,zero,-13" },
    { 0x00000013, 0x148, "addi zero,zero,0" },
    { 0x00002905, 0x28f2, "addiw s2,s2,1" },
    { 0x0007899b, 0x20f6, "addiw s3,a5,0" },
    { 0x00009dbd, 0x2670, "addw a1,a1,a5" },
    { 0x0189073b, 0x2998, "addw a4,s2,s8" },
    { 0x01f737af, 0xa2f0, "amoadd.d a5,t6,(a4)" },
    { 0x06f537af, 0xe1d2, "amoadd.d.aqrl a5,a5,(a0)" },
    { 0x00f7202f, 0x5c4a, "amoadd.w zero,a5,(a4)" },
    { 0x06f727af, 0x5be2, "amoadd.w.aqrl a5,a5,(a4)" },
    { 0x60f5302f, 0x425c, "amoand.d zero,a5,(a0)" },
    { 0x6742372f, 0x487a, "amoand.d.aqrl a4,s4,(tp)" },
    { 0x62e7b02f, 0xb4aba, "amoand.d.rl zero,a4,(a5)" },
    { 0x60d7a02f, 0xbaa0e, "amoand.w zero,a3,(a5)" },
    { 0x66d726af, 0x33790, "amoand.w.aqrl a3,a3,(a4)" },
    { 0x4137b02f, 0x62c8, "amoor.d zero,s3,(a5)" },
    { 0x44f537af, 0x8e870, "amoor.d.aq a5,a5,(a0)" },
    { 0x46e7b6af, 0x10f10, "amoor.d.aqrl a3,a4,(a5)" },
    { 0x40d7a02f, 0x415b6, "amoor.w zero,a3,(a5)" },
    { 0x4767ab2f, 0x42836, "amoor.w.aqrl s6,s6,(a5)" },
    { 0x08f737af, 0x568e8, "amoswap.d a5,a5,(a4)" },
    { 0x0e9934af, 0x6488, "amoswap.d.aqrl s1,s1,(s2)" },
    { 0x0ef727af, 0xe7e8, "amoswap.w.aqrl a5,a5,(a4)" },
    { 0x20d7b02f, 0xba968, "amoxor.d zero,a3,(a5)" },
    { 0x26f6b7af, 0xbaa26, "amoxor.d.aqrl a5,a5,(a3)" },
    { 0x20d7a02f, 0xba36a, "amoxor.w zero,a3,(a5)" },
    { 0x26dba62f, 0x9188e, "amoxor.w.aqrl a2,a3,(s7)" },
    { 0x00008c65, 0x3668, "and s0,s0,s1" },
    { 0x0137f7b3, 0x246e, "and a5,a5,s3" },
    { 0x00008b89, 0x2144, "andi a5,a5,2" },
    { 0x0ff57513, 0x2478, "andi a0,a0,255" },
    { 0x00de9597, 0x1000, "auipc a1,0xde9" },
    { 0x0000cd0d, 0x2082, "beq a0,zero,0x20bc" },
    { 0x03278f63, 0x204c, "beq a5,s2,0x208a" },
    { 0x00e6d763, 0x10f2, "bge a3,a4,0x1100" },
    { 0xfef779e3, 0x25da, "bgeu a4,a5,0x25cc" },
    { 0xfee6cde3, 0x10fc, "blt a3,a4,0x10f6" },
    { 0x02a7e763, 0x24a6, "bltu a5,a0,0x24d4" },
    { 0x0000ef91, 0x2098, "bne a5,zero,0x20b4" },
    { 0xff2497e3, 0x2086, "bne s1,s2,0x2074" },
    { 0x1002b073, 0x1078, "csrrc zero,0x100,t0" },
    { 0x10017073, 0x34ca, "csrrci zero,0x100,2" },
    { 0x100027f3, 0x2140, "csrrs a5,0x100,zero" },
    { 0x10016073, 0x21be, "csrrsi zero,0x100,2" },
    { 0x10561073, 0x1020, "csrrw zero,0x105,a2" },
    { 0x02d7c6b3, 0x21fe, "div a3,a5,a3" },
    { 0x02fdd7b3, 0x2816, "divu a5,s11,a5" },
    { 0x02e6d73b, 0x568e, "divuw a4,a3,a4" },
    { 0x0357cc3b, 0x3153e, "divw s8,a5,s5" },
    { 0x00009002, 0x21da, "ebreak" },
    { 0x00000073, 0x7740, "ecall" },
    { 0x00564353, 0x32, "fadd.s ft6,fa2,ft5,rmm" },
    { 0x0ff0000f, 0x36c6, "fence" },
    { 0x0000100f, 0x9cae, "fence.i" },
    { 0x00003000, 0x10, "fld fs0,32(s0)" },
    { 0x00053007, 0x60e2, "fld ft0,0(a0)" },
    { 0x00400543, 0x3a, "fmadd.s fa0,ft0,ft4,ft0,rne" },
    { 0x0000a120, 0x6076, "fsd fs0,64(a0)" },
    { 0x00053027, 0x6056, "fsd ft0,0(a0)" },
    { 0x0000bff5, 0x10c8, "jal zero,0x10c4" },
    { 0x0ca0106f, 0x2, "jal zero,0x10cc" },
    { 0x00008082, 0x1064, "jalr zero,0(ra)" },
    { 0x15830067, 0x10ac, "jalr zero,344(t1)" },
    { 0x10000083, 0x6a, "lb ra,256(zero)" },
    { 0x00094783, 0x2124, "lbu a5,0(s2)" },
    { 0x0000742e, 0xf8, "ld s0,232(sp)" },
    { 0x00063203, 0x108c, "ld tp,0(a2)" },
    { 0x00851783, 0x8cca, "lh a5,8(a0)" },
    { 0x0147d783, 0x2186, "lhu a5,20(a5)" },
    { 0x1006352f, 0xa1f8, "lr.d a0,(a2)" },
    { 0x100526af, 0x54f8, "lr.w a3,(a0)" },
    { 0x1605a8af, 0x8de60, "lr.w.aqrl a7,(a1)" },
    { 0x00007865, 0xfa, "lui a6,0xffff9" },
    { 0x001009b7, 0x2356, "lui s3,0x100" },
    { 0x00004952, 0x30, "lw s2,20(sp)" },
    { 0x00822783, 0x20ec, "lw a5,8(tp)" },
    { 0x00096783, 0x2f64, "lwu a5,0(s2)" },
    { 0x02d706b3, 0xeca6, "mul a3,a4,a3" },
    { 0x02d7b533, 0x3a8e0, "mulhu a0,a5,a3" },
    { 0x02d787bb, 0x15d70, "mulw a5,a5,a3" },
    { 0x00008e4d, 0x1032, "or a2,a2,a1" },
    { 0x00afefb3, 0x32f6, "or t6,t6,a0" },
    { 0x00296913, 0x3278, "ori s2,s2,2" },
    { 0x02f56733, 0x81aea, "rem a4,a0,a5" },
    { 0x02c7f633, 0x282c, "remu a2,a5,a2" },
    { 0x036977bb, 0x2558a, "remuw a5,s2,s6" },
    { 0x02b5653b, 0xbca22, "remw a0,a0,a1" },
    { 0xf8040423, 0x2138, "sb zero,-120(s0)" },
    { 0x18c1302f, 0x34ec, "sc.d zero,a2,(sp)" },
    { 0x1b663eaf, 0xa200, "sc.d.rl t4,s6,(a2)" },
    { 0x18e5262f, 0x5500, "sc.w a2,a4,(a0)" },
    { 0x1ed5a52f, 0x8de68, "sc.w.aqrl a0,a3,(a1)" },
    { 0x1ac7262f, 0xbf0e, "sc.w.rl a2,a2,(a4)" },
    { 0x0000f000, 0x5c, "sd s0,32(s0)" },
    { 0x0006b023, 0x10f6, "sd zero,0(a3)" },
    { 0x12000073, 0x1040, "sfence.vma zero,zero" },
    { 0xf8f41e23, 0x2196, "sh a5,-100(s0)" },
    { 0x00b999b3, 0x62b2, "sll s3,s3,a1" },
    { 0x00000136, 0x12, "slli sp,sp,13" },
    { 0x02c99793, 0x23f4, "slli a5,s3,44" },
    { 0x0147951b, 0x23e2, "slliw a0,a5,20" },
    { 0x012d17bb, 0x297c, "sllw a5,s10,s2" },
    { 0x00c9a7b3, 0xf6e0, "slt a5,s3,a2" },
    { 0x0075a593, 0x1c21c, "slti a1,a1,7" },
    { 0x00153513, 0x2290, "sltiu a0,a0,1" },
    { 0x00a5b533, 0x4366, "sltu a0,a1,a0" },
    { 0x40e7d7b3, 0x6ee2e, "sra a5,a5,a4" },
    { 0x000087b1, 0x4bea, "srai a5,a5,12" },
    { 0x40695913, 0x5ace, "srai s2,s2,6" },
    { 0x41f6d79b, 0x678c, "sraiw a5,a3,31" },
    { 0x40ea5a3b, 0x674a4, "sraw s4,s4,a4" },
    { 0x10200073, 0x3536, "sret" },
    { 0x00b55533, 0x3170, "srl a0,a0,a1" },
    { 0x00008131, 0x103c, "srli a0,a0,12" },
    { 0x00c55613, 0x1024, "srli a2,a0,12" },
    { 0x0145569b, 0x23e8, "srliw a3,a0,20" },
    { 0x009dddbb, 0x13ad0, "srlw s11,s11,s1" },
    { 0x00008d91, 0x1012, "sub a1,a1,a2" },
    { 0x40f507b3, 0x21f6, "sub a5,a0,a5" },
    { 0x00009e1d, 0x69fe, "subw a2,a2,a5" },
    { 0x4099093b, 0x251e, "subw s2,s2,s1" },
    { 0x0000c000, 0x146, "sw s0,0(s0)" },
    { 0xf8e42c23, 0x2192, "sw a4,-104(s0)" },
    { 0x10500073, 0x10c4, "wfi" },
    { 0x00008fb9, 0x2094, "xor a5,a5,a4" },
    { 0x01ffcfb3, 0x358e, "xor t6,t6,t6" },
    { 0xfff74713, 0x67a8, "xori a4,a4,-1" },
    { 0x02c5f553, 0x0, "fadd.d fa0,fa1,fa2" },
    { 0x1820f043, 0x4, "fmadd.s ft0,ft1,ft2,ft3" },
    { 0x9b24844b, 0x8, "fnmsub.d fs0,fs1,fs2,fs3,rne" },
    { 0xc2051553, 0xc, "fcvt.w.d a0,fa0,rtz" },
    { 0xc035f5d3, 0x10, "fcvt.lu.s a1,fa1" },
    { 0xd2267653, 0x14, "fcvt.d.l fa2,a2" },
    { 0xe00696d3, 0x18, "fclass.s a3,fa3" },
    { 0xe0070753, 0x1c, "fmv.x.w a4,fa4" },
    { 0xf20787d3, 0x20, "fmv.d.x fa5,a5" },
    { 0x23182853, 0x24, "fsgnjx.d fa6,fa6,fa7" },
    { 0xa0102553, 0x28, "feq.s a0,ft0,ft1" },
    { 0xa23105d3, 0x2c, "fle.d a1,ft2,ft3" },
    { 0x5a02f253, 0x30, "fsqrt.d ft4,ft5" },
    { 0x4013f353, 0x34, "fcvt.s.d ft6,ft7" },
    { 0x420e8e53, 0x38, "fcvt.d.s ft8,ft9" },
    { 0x28af8f53, 0x3c, "fmin.s ft10,ft11,fa0" },
    { 0x00c12507, 0x40, "flw fa0,12(sp)" },
    { 0xfeb52e27, 0x44, "fsw fa1,-4(a0)" },
    { 0x1005b52f, 0x48, "lr.d a0,(a1)" },
    { 0x18d7262f, 0x4c, "sc.w a2,a3,(a4)" },
    { 0x06b6352f, 0x50, "amoadd.d.aqrl a0,a1,(a2)" },
    { 0xe0e7a6af, 0x54, "amomaxu.w a3,a4,(a5)" },
    { 0x0c63a2af, 0x58, "amoswap.w.aq t0,t1,(t2)" },
    { 0x02c5a533, 0x5c, "mulhsu a0,a1,a2" },
    { 0x02f776bb, 0x60, "remuw a3,a4,a5" },
    { 0x027342bb, 0x64, "divw t0,t1,t2" },
    { 0x30047573, 0x68, "csrrci a0,0x300,8" },
    { 0x18051073, 0x6c, "csrrw zero,0x180,a0" },
    { 0x12b50073, 0x70, "sfence.vma a0,a1" },
    { 0x10500073, 0x74, "wfi" },
    { 0x30200073, 0x78, "mret" },
    { 0x10200073, 0x7c, "sret" },
    { 0x00000073, 0x80, "ecall" },
    { 0x00100073, 0x84, "ebreak" },
    { 0x0000100f, 0x88, "fence.i" },
    { 0x40c5d53b, 0x8c, "sraw a0,a1,a2" },
    { 0xfff5b513, 0x90, "sltiu a0,a1,-1" },
};

static void test_against_objdump(void)
{
    g_autoptr(GString) out = g_string_new("");

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        RVInsn insn;
        g_assert_true(riscv_decode(cases[i].raw, &insn));
        g_assert_cmpuint(insn.len, ==, riscv_insn_length(cases[i].raw));
        g_string_truncate(out, 0);
        riscv_disas(out, cases[i].pc, &insn);
        g_assert_cmpstr(out->str, ==, cases[i].text);
    }
}

static void test_illegal(void)
{
    static const uint32_t bad[] = {
        0x00000000,     /* all zeros: defined illegal */
        0xffffffff,     /* all ones */
        0x0000,         /* c.addi4spn with zero immediate */
        0x6101 & 0xef83, /* c.addi16sp with zero immediate (c.lui x2, 0) */
        0x4002,         /* c.lwsp to x0 */
        0x8002,         /* c.jr x0 */
        0x0000601b,     /* addiw with funct3 6 */
        0x0000700f,     /* misc-mem funct3 7 */
        0x10500073 | (1 << 7),   /* wfi with rd != 0 */
        0x0000b02f | (0x1f << 27), /* AMO with unknown funct5 */
        0x1005a52f | (1 << 20),  /* lr.w with rs2 != 0 */
        0x06000053,     /* fadd with fmt 3 (quad) */
        0x0000001f,     /* 48-bit encoding */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        RVInsn insn;
        g_assert_false(riscv_decode(bad[i], &insn));
        g_assert_cmpint(insn.op, ==, RV_OP_ILLEGAL);
    }
}

static void test_compressed_expansion(void)
{
    RVInsn insn;

    /* c.lui a0, 0xfffe1 expands to lui with a sign-extended immediate */
    g_assert_true(riscv_decode(0x7505, &insn));
    g_assert_cmpint(insn.op, ==, RV_OP_LUI);
    g_assert_cmpint(insn.rd, ==, 10);
    g_assert_cmpint(insn.imm, ==, -0x1f000);
    /* c.ebreak */
    g_assert_true(riscv_decode(0x9002, &insn));
    g_assert_cmpint(insn.op, ==, RV_OP_EBREAK);
    g_assert_cmpuint(insn.len, ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/riscv/decode/objdump", test_against_objdump);
    g_test_add_func("/riscv/decode/illegal", test_illegal);
    g_test_add_func("/riscv/decode/compressed", test_compressed_expansion);
    return g_test_run();
}
