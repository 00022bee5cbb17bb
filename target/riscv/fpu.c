/*
 * RISC-V F and D extensions on the host FPU: the host computes the
 * correctly rounded IEEE-754 result under the requested rounding mode
 * (fesetround) and reports the exception flags (fetestexcept); this file
 * adds what RISC-V defines beyond IEEE: canonical NaNs, NaN-boxing of
 * singles, min/max and conversion saturation rules, fclass, and
 * round-to-nearest-ties-to-max-magnitude, which x86 lacks.
 *
 * Built with -frounding-math -ffp-contract=off so the compiler keeps every
 * operation where and as written.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <fenv.h>
#include <math.h>
#include "target/riscv/cpu.h"
#include "target/riscv/decode.h"
#include "target/riscv/fpu.h"

#define CANON_NAN_S 0x7fc00000u
#define CANON_NAN_D 0x7ff8000000000000ull
#define BOX_S(v) (0xffffffff00000000ull | (uint32_t)(v))

enum { RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM, RM_DYN = 7 };

static inline float f32(uint32_t v)
{
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static inline uint32_t bits32(float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    return v;
}

static inline double f64(uint64_t v)
{
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static inline uint64_t bits64(double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    return v;
}

/* A single not properly NaN-boxed reads as the canonical NaN. */
static inline uint32_t unbox(uint64_t v)
{
    return (v >> 32) == 0xffffffff ? (uint32_t)v : CANON_NAN_S;
}

static inline bool is_snan_s(uint32_t v)
{
    return (v & 0x7f800000) == 0x7f800000 && (v & 0x007fffff) &&
           !(v & 0x00400000);
}

static inline bool is_snan_d(uint64_t v)
{
    return (v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
           (v & 0x000fffffffffffffull) && !(v & 0x0008000000000000ull);
}

static const int host_round[] = {
    [RM_RNE] = FE_TONEAREST, [RM_RTZ] = FE_TOWARDZERO,
    [RM_RDN] = FE_DOWNWARD, [RM_RUP] = FE_UPWARD,
    [RM_RMM] = FE_TONEAREST,    /* fixed up per operation */
};

static void accrue(CPURISCVState *env)
{
    int ex = fetestexcept(FE_ALL_EXCEPT);
    uint32_t f = 0;

    if (ex & FE_INEXACT) {
        f |= FFLAG_NX;
    }
    if (ex & FE_UNDERFLOW) {
        f |= FFLAG_UF;
    }
    if (ex & FE_OVERFLOW) {
        f |= FFLAG_OF;
    }
    if (ex & FE_DIVBYZERO) {
        f |= FFLAG_DZ;
    }
    if (ex & FE_INVALID) {
        f |= FFLAG_NV;
    }
    env->fflags |= f;
}

/* The effective rounding mode, or -1 when reserved (illegal instruction). */
static int rounding_mode(const CPURISCVState *env, unsigned rm)
{
    if (rm == RM_DYN) {
        rm = env->frm;
    }
    return rm <= RM_RMM ? (int)rm : -1;
}

/*
 * Ties-to-max-magnitude from a round-to-nearest-even result: @err is the
 * exact error (true value - rounded), known for add, sub and mul.  When
 * the true value was exactly halfway, RNE picked the even neighbour; RMM
 * wants the one farther from zero.
 */
static double rmm_fix_d(double r, double err)
{
    if (err != 0 && fabs(err) == fabs(r - nextafter(r, err > 0 ? INFINITY
                                                           : -INFINITY)) / 2) {
        if ((err > 0) == (r > 0) || r == 0) {
            return nextafter(r, err > 0 ? INFINITY : -INFINITY);
        }
    }
    return r;
}

static float rmm_fix_s(float r, double exact)
{
    /* Singles: the double holds add/sub/mul results exactly. */
    float up = nextafterf(r, INFINITY), down = nextafterf(r, -INFINITY);
    double d = exact - (double)r;

    if (d != 0) {
        float other = d > 0 ? up : down;
        if (fabs(exact - (double)other) == fabs(d) &&
            fabsf(other) > fabsf(r)) {
            return other;
        }
    }
    return r;
}

typedef enum FpArith { FP_ADD, FP_SUB, FP_MUL, FP_DIV, FP_SQRT } FpArith;

static uint64_t arith_d(CPURISCVState *env, FpArith op, int rm, uint64_t a,
                        uint64_t b)
{
    double x = f64(a), y = f64(b), r = 0, err = 0;

    feclearexcept(FE_ALL_EXCEPT);
    fesetround(host_round[rm]);
    switch (op) {
    case FP_ADD:
        r = x + y;
        break;
    case FP_SUB:
        r = x - y;
        break;
    case FP_MUL:
        r = x * y;
        break;
    case FP_DIV:
        r = x / y;
        break;
    case FP_SQRT:
        r = sqrt(x);
        break;
    }
    if (rm == RM_RMM && isfinite(r) && (op == FP_ADD || op == FP_SUB ||
                                        op == FP_MUL)) {
        int saved = fetestexcept(FE_ALL_EXCEPT);
        if (op == FP_MUL) {
            err = fma(x, y, -r);                 /* exact product error */
        } else {
            double yy = op == FP_ADD ? y : -y;   /* TwoSum */
            double s = r, bv = s - x, av = s - bv;
            err = (x - av) + (yy - bv);
        }
        feclearexcept(FE_ALL_EXCEPT);
        feraiseexcept(saved);
        r = rmm_fix_d(r, err);
    }
    accrue(env);
    fesetround(FE_TONEAREST);
    return isnan(r) ? CANON_NAN_D : bits64(r);
}

static uint64_t arith_s(CPURISCVState *env, FpArith op, int rm, uint64_t a,
                        uint64_t b)
{
    float x = f32(unbox(a)), y = f32(unbox(b)), r = 0;
    double exact = 0;

    feclearexcept(FE_ALL_EXCEPT);
    fesetround(host_round[rm]);
    switch (op) {
    case FP_ADD:
        r = x + y;
        exact = (double)x + (double)y;
        break;
    case FP_SUB:
        r = x - y;
        exact = (double)x - (double)y;
        break;
    case FP_MUL:
        r = x * y;
        exact = (double)x * (double)y;
        break;
    case FP_DIV:
        r = x / y;
        break;
    case FP_SQRT:
        r = sqrtf(x);
        break;
    }
    if (rm == RM_RMM && isfinite(r) && (op == FP_ADD || op == FP_SUB ||
                                        op == FP_MUL)) {
        /* Double sums of singles can round; products are exact. */
        r = rmm_fix_s(r, exact);
    }
    accrue(env);
    fesetround(FE_TONEAREST);
    return BOX_S(isnan(r) ? CANON_NAN_S : bits32(r));
}

static uint64_t fma_d(CPURISCVState *env, RVOp op, int rm, uint64_t a,
                      uint64_t b, uint64_t c)
{
    double x = f64(a), y = f64(b), z = f64(c), r;

    if (op == RV_OP_FMSUB_D || op == RV_OP_FNMADD_D) {
        z = -z;
    }
    if (op == RV_OP_FNMSUB_D || op == RV_OP_FNMADD_D) {
        x = -x;
    }
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(host_round[rm]);
    r = fma(x, y, z);
    accrue(env);
    fesetround(FE_TONEAREST);
    return isnan(r) ? CANON_NAN_D : bits64(r);
}

static uint64_t fma_s(CPURISCVState *env, RVOp op, int rm, uint64_t a,
                      uint64_t b, uint64_t c)
{
    float x = f32(unbox(a)), y = f32(unbox(b)), z = f32(unbox(c)), r;

    if (op == RV_OP_FMSUB_S || op == RV_OP_FNMADD_S) {
        z = -z;
    }
    if (op == RV_OP_FNMSUB_S || op == RV_OP_FNMADD_S) {
        x = -x;
    }
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(host_round[rm]);
    r = fmaf(x, y, z);
    accrue(env);
    fesetround(FE_TONEAREST);
    return BOX_S(isnan(r) ? CANON_NAN_S : bits32(r));
}

/* fmin/fmax: a quiet NaN loses to a number; signaling NaNs raise NV. */
static uint64_t minmax_d(CPURISCVState *env, bool max, uint64_t a, uint64_t b)
{
    double x = f64(a), y = f64(b);

    if (is_snan_d(a) || is_snan_d(b)) {
        env->fflags |= FFLAG_NV;
    }
    if (isnan(x) && isnan(y)) {
        return CANON_NAN_D;
    }
    if (isnan(x)) {
        return b;
    }
    if (isnan(y)) {
        return a;
    }
    if (x == y) {
        /* -0 is smaller than +0 */
        bool xneg = signbit(x);
        return (max ? !xneg : xneg) ? a : b;
    }
    return (max ? x > y : x < y) ? a : b;
}

static uint64_t minmax_s(CPURISCVState *env, bool max, uint64_t a, uint64_t b)
{
    uint32_t ua = unbox(a), ub = unbox(b);
    float x = f32(ua), y = f32(ub);

    if (is_snan_s(ua) || is_snan_s(ub)) {
        env->fflags |= FFLAG_NV;
    }
    if (isnan(x) && isnan(y)) {
        return BOX_S(CANON_NAN_S);
    }
    if (isnan(x)) {
        return BOX_S(ub);
    }
    if (isnan(y)) {
        return BOX_S(ua);
    }
    if (x == y) {
        bool xneg = signbit(x);
        return BOX_S((max ? !xneg : xneg) ? ua : ub);
    }
    return BOX_S((max ? x > y : x < y) ? ua : ub);
}

/* feq is quiet (NV only for signaling NaNs); flt/fle signal on any NaN. */
static uint64_t compare(CPURISCVState *env, int kind, double x, double y,
                        bool snan)
{
    if (isnan(x) || isnan(y)) {
        if (kind != 0 || snan) {
            env->fflags |= FFLAG_NV;
        }
        return 0;
    }
    return kind == 0 ? x == y : kind == 1 ? x < y : x <= y;
}

static uint64_t classify(bool neg, bool inf, bool nan, bool snan, bool zero,
                         bool subnormal)
{
    if (nan) {
        return snan ? 1u << 8 : 1u << 9;
    }
    if (inf) {
        return neg ? 1u << 0 : 1u << 7;
    }
    if (zero) {
        return neg ? 1u << 3 : 1u << 4;
    }
    if (subnormal) {
        return neg ? 1u << 2 : 1u << 5;
    }
    return neg ? 1u << 1 : 1u << 6;
}

/* Round @x to an integer in mode @rm (RMM by hand), flags as IEEE says. */
static double round_to_integral(double x, int rm)
{
    if (rm == RM_RMM) {
        return round(x);         /* halfway cases away from zero */
    }
    fesetround(host_round[rm]);
    double r = nearbyint(x);
    fesetround(FE_TONEAREST);
    return r;
}

/*
 * Float to integer with RISC-V saturation: NaN and +overflow give the
 * largest value, -overflow the smallest; both raise NV (not NX).
 */
static uint64_t to_int(CPURISCVState *env, double x, int rm, bool is_signed,
                       unsigned bits)
{
    double lo, hi, r;

    if (isnan(x)) {
        env->fflags |= FFLAG_NV;
        return is_signed ? (bits == 32 ? (uint64_t)(int64_t)INT32_MAX
                                       : (uint64_t)INT64_MAX)
                         : (bits == 32 ? (uint64_t)(int64_t)(int32_t)UINT32_MAX
                                       : UINT64_MAX);
    }
    r = round_to_integral(x, rm);
    if (is_signed) {
        lo = bits == 32 ? -2147483648.0 : -9223372036854775808.0;
        hi = bits == 32 ? 2147483648.0 : 9223372036854775808.0;
    } else {
        lo = 0;
        hi = bits == 32 ? 4294967296.0 : 18446744073709551616.0;
    }
    if (r < lo || r >= hi) {
        env->fflags |= FFLAG_NV;
        if (r < lo) {
            return is_signed ? (bits == 32 ? (uint64_t)(int64_t)INT32_MIN
                                           : (uint64_t)INT64_MIN)
                             : 0;
        }
        return is_signed ? (bits == 32 ? (uint64_t)(int64_t)INT32_MAX
                                       : (uint64_t)INT64_MAX)
                         : (bits == 32 ? (uint64_t)(int64_t)(int32_t)UINT32_MAX
                                       : UINT64_MAX);
    }
    if (r != x) {
        env->fflags |= FFLAG_NX;
    }
    if (is_signed) {
        return bits == 32 ? (uint64_t)(int64_t)(int32_t)r : (uint64_t)(int64_t)r;
    }
    /* Unsigned 32-bit results are sign-extended into the register. */
    return bits == 32 ? (uint64_t)(int64_t)(int32_t)(uint32_t)r : (uint64_t)r;
}

/* Integer to float: exact or rounded per rm, NX when inexact. */
static uint64_t from_int(CPURISCVState *env, uint64_t v, int rm,
                         bool is_signed, unsigned bits, bool to_double)
{
    uint64_t result;

    if (bits == 32) {
        v = is_signed ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
    }
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(host_round[rm == RM_RMM ? RM_RNE : rm]);
    if (to_double) {
        double d = is_signed ? (double)(int64_t)v : (double)v;
        if (rm == RM_RMM) {
            /* Exact error of the conversion, as a signed 128-bit value. */
            __int128 exact = is_signed ? (__int128)(int64_t)v : (__int128)v;
            __int128 got = (__int128)d;
            d = rmm_fix_d(d, (double)(exact - got));
        }
        result = bits64(d);
    } else {
        float f = is_signed ? (float)(int64_t)v : (float)v;
        if (rm == RM_RMM) {
            __int128 exact = is_signed ? (__int128)(int64_t)v : (__int128)v;
            __int128 got = (__int128)f;
            if (exact != got) {
                float other = nextafterf(f, exact > got ? INFINITY : -INFINITY);
                __int128 dother = (__int128)other - exact;
                __int128 dthis = exact - got;
                if ((dother < 0 ? -dother : dother) ==
                    (dthis < 0 ? -dthis : dthis) && fabsf(other) > fabsf(f)) {
                    f = other;
                }
            }
        }
        result = BOX_S(bits32(f));
    }
    accrue(env);
    fesetround(FE_TONEAREST);
    return result;
}

int riscv_fpu_exec(CPURISCVState *env, const RVInsn *in, uint64_t *xresult,
                   bool *writes_x)
{
    uint64_t *f = env->fpr;
    uint64_t a = f[in->rs1], b = f[in->rs2], c = f[in->rs3];
    int rm = rounding_mode(env, in->rm);
    RVOp op = in->op;
    uint64_t r = 0;
    bool to_x = false;

    if (!(env->mstatus & MSTATUS_FS)) {
        return -1;
    }
    switch (op) {
    case RV_OP_FADD_S: case RV_OP_FSUB_S: case RV_OP_FMUL_S:
    case RV_OP_FDIV_S: case RV_OP_FSQRT_S:
    case RV_OP_FADD_D: case RV_OP_FSUB_D: case RV_OP_FMUL_D:
    case RV_OP_FDIV_D: case RV_OP_FSQRT_D:
    case RV_OP_FMADD_S: case RV_OP_FMSUB_S: case RV_OP_FNMSUB_S:
    case RV_OP_FNMADD_S: case RV_OP_FMADD_D: case RV_OP_FMSUB_D:
    case RV_OP_FNMSUB_D: case RV_OP_FNMADD_D:
    case RV_OP_FCVT_W_S: case RV_OP_FCVT_WU_S: case RV_OP_FCVT_L_S:
    case RV_OP_FCVT_LU_S: case RV_OP_FCVT_W_D: case RV_OP_FCVT_WU_D:
    case RV_OP_FCVT_L_D: case RV_OP_FCVT_LU_D:
    case RV_OP_FCVT_S_W: case RV_OP_FCVT_S_WU: case RV_OP_FCVT_S_L:
    case RV_OP_FCVT_S_LU: case RV_OP_FCVT_D_W: case RV_OP_FCVT_D_WU:
    case RV_OP_FCVT_D_L: case RV_OP_FCVT_D_LU: case RV_OP_FCVT_S_D:
        if (rm < 0) {
            return -1;           /* reserved rounding mode */
        }
        break;
    default:
        break;
    }

    switch (op) {
    case RV_OP_FADD_S: r = arith_s(env, FP_ADD, rm, a, b); break;
    case RV_OP_FSUB_S: r = arith_s(env, FP_SUB, rm, a, b); break;
    case RV_OP_FMUL_S: r = arith_s(env, FP_MUL, rm, a, b); break;
    case RV_OP_FDIV_S: r = arith_s(env, FP_DIV, rm, a, b); break;
    case RV_OP_FSQRT_S: r = arith_s(env, FP_SQRT, rm, a, b); break;
    case RV_OP_FADD_D: r = arith_d(env, FP_ADD, rm, a, b); break;
    case RV_OP_FSUB_D: r = arith_d(env, FP_SUB, rm, a, b); break;
    case RV_OP_FMUL_D: r = arith_d(env, FP_MUL, rm, a, b); break;
    case RV_OP_FDIV_D: r = arith_d(env, FP_DIV, rm, a, b); break;
    case RV_OP_FSQRT_D: r = arith_d(env, FP_SQRT, rm, a, b); break;
    case RV_OP_FMADD_S: case RV_OP_FMSUB_S: case RV_OP_FNMSUB_S:
    case RV_OP_FNMADD_S:
        r = fma_s(env, op, rm, a, b, c);
        break;
    case RV_OP_FMADD_D: case RV_OP_FMSUB_D: case RV_OP_FNMSUB_D:
    case RV_OP_FNMADD_D:
        r = fma_d(env, op, rm, a, b, c);
        break;

    case RV_OP_FSGNJ_S: case RV_OP_FSGNJN_S: case RV_OP_FSGNJX_S: {
        uint32_t x = unbox(a), y = unbox(b), sign;
        sign = op == RV_OP_FSGNJ_S ? y : op == RV_OP_FSGNJN_S ? ~y : x ^ y;
        r = BOX_S((x & 0x7fffffff) | (sign & 0x80000000));
        break;
    }
    case RV_OP_FSGNJ_D: case RV_OP_FSGNJN_D: case RV_OP_FSGNJX_D: {
        uint64_t sign = op == RV_OP_FSGNJ_D ? b : op == RV_OP_FSGNJN_D ? ~b
                                                                      : a ^ b;
        r = (a & ~(1ULL << 63)) | (sign & (1ULL << 63));
        break;
    }
    case RV_OP_FMIN_S: r = minmax_s(env, false, a, b); break;
    case RV_OP_FMAX_S: r = minmax_s(env, true, a, b); break;
    case RV_OP_FMIN_D: r = minmax_d(env, false, a, b); break;
    case RV_OP_FMAX_D: r = minmax_d(env, true, a, b); break;

    case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S: {
        uint32_t x = unbox(a), y = unbox(b);
        r = compare(env, op == RV_OP_FEQ_S ? 0 : op == RV_OP_FLT_S ? 1 : 2,
                    f32(x), f32(y), is_snan_s(x) || is_snan_s(y));
        to_x = true;
        break;
    }
    case RV_OP_FEQ_D: case RV_OP_FLT_D: case RV_OP_FLE_D:
        r = compare(env, op == RV_OP_FEQ_D ? 0 : op == RV_OP_FLT_D ? 1 : 2,
                    f64(a), f64(b), is_snan_d(a) || is_snan_d(b));
        to_x = true;
        break;

    case RV_OP_FCLASS_S: {
        uint32_t x = unbox(a);
        unsigned e = (x >> 23) & 0xff;
        r = classify(x >> 31, e == 0xff && !(x & 0x7fffff),
                     e == 0xff && (x & 0x7fffff), is_snan_s(x),
                     !(x & 0x7fffffff), e == 0 && (x & 0x7fffff));
        to_x = true;
        break;
    }
    case RV_OP_FCLASS_D: {
        unsigned e = (a >> 52) & 0x7ff;
        uint64_t m = a & 0x000fffffffffffffull;
        r = classify(a >> 63, e == 0x7ff && !m, e == 0x7ff && m, is_snan_d(a),
                     !(a << 1), e == 0 && m);
        to_x = true;
        break;
    }
    case RV_OP_FMV_X_W:
        r = (uint64_t)(int64_t)(int32_t)(uint32_t)a;
        to_x = true;
        break;
    case RV_OP_FMV_X_D:
        r = a;
        to_x = true;
        break;
    case RV_OP_FMV_W_X:
        r = BOX_S(env->gpr[in->rs1]);
        break;
    case RV_OP_FMV_D_X:
        r = env->gpr[in->rs1];
        break;

    case RV_OP_FCVT_W_S: case RV_OP_FCVT_WU_S: case RV_OP_FCVT_L_S:
    case RV_OP_FCVT_LU_S: {
        float x = f32(unbox(a));
        r = to_int(env, x, rm, op == RV_OP_FCVT_W_S || op == RV_OP_FCVT_L_S,
                   op <= RV_OP_FCVT_WU_S ? 32 : 64);
        to_x = true;
        break;
    }
    case RV_OP_FCVT_W_D: case RV_OP_FCVT_WU_D: case RV_OP_FCVT_L_D:
    case RV_OP_FCVT_LU_D:
        r = to_int(env, f64(a), rm, op == RV_OP_FCVT_W_D ||
                   op == RV_OP_FCVT_L_D, op <= RV_OP_FCVT_WU_D ? 32 : 64);
        to_x = true;
        break;
    case RV_OP_FCVT_S_W: case RV_OP_FCVT_S_WU: case RV_OP_FCVT_S_L:
    case RV_OP_FCVT_S_LU:
        r = from_int(env, env->gpr[in->rs1], rm,
                     op == RV_OP_FCVT_S_W || op == RV_OP_FCVT_S_L,
                     op <= RV_OP_FCVT_S_WU ? 32 : 64, false);
        break;
    case RV_OP_FCVT_D_W: case RV_OP_FCVT_D_WU: case RV_OP_FCVT_D_L:
    case RV_OP_FCVT_D_LU:
        r = from_int(env, env->gpr[in->rs1], rm < 0 ? RM_RNE : rm,
                     op == RV_OP_FCVT_D_W || op == RV_OP_FCVT_D_L,
                     op <= RV_OP_FCVT_D_WU ? 32 : 64, true);
        break;
    case RV_OP_FCVT_S_D: {
        double x = f64(a);
        float y;
        if (is_snan_d(a)) {
            env->fflags |= FFLAG_NV;
        }
        if (isnan(x)) {
            r = BOX_S(CANON_NAN_S);
            break;
        }
        feclearexcept(FE_ALL_EXCEPT);
        fesetround(host_round[rm]);
        y = (float)x;
        if (rm == RM_RMM && isfinite(y)) {
            y = rmm_fix_s(y, x);
        }
        accrue(env);
        fesetround(FE_TONEAREST);
        r = BOX_S(bits32(y));
        break;
    }
    case RV_OP_FCVT_D_S: {
        uint32_t x = unbox(a);
        if (is_snan_s(x)) {
            env->fflags |= FFLAG_NV;
        }
        r = isnan(f32(x)) ? CANON_NAN_D : bits64((double)f32(x));
        break;
    }
    default:
        return -1;
    }

    env->mstatus |= MSTATUS_FS;         /* dirty */
    *writes_x = to_x;
    if (to_x) {
        *xresult = r;
    } else {
        f[in->rd] = r;
    }
    return 0;
}
