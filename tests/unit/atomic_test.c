/* The atomics header: every operation family, in every memory order, on 8/16/32/64-bit
 * integers and on pointers, single-threaded semantics (return values, updates, CAS failure
 * writing back the current value, wrap-around), plus the "ft" wrappers. Ordering itself is
 * exercised by tests/stress/atomic_*.c (message passing, exact totals). */
#include <criterion/criterion.h>

#include "check.h"
#include <ftcore/atomic.h>

/* One function per integer type, run by the Test() below. MAXV is the type's max value. */
#define INT_FAMILY(T, MAXV)                                                    \
    static void family_##T(void)                                               \
    {                                                                          \
        T x = 5, e;                                                            \
        /* loads */                                                            \
        cr_assert_eq(ftc_atomic_load(&x), 5);                                  \
        cr_assert_eq(ftc_atomic_load_relaxed(&x), 5);                          \
        cr_assert_eq(ftc_atomic_load_acquire(&x), 5);                          \
        /* stores */                                                           \
        ftc_atomic_store(&x, (T)6);                                            \
        cr_assert_eq(x, 6);                                                    \
        ftc_atomic_store_relaxed(&x, (T)7);                                    \
        cr_assert_eq(x, 7);                                                    \
        ftc_atomic_store_release(&x, (T)MAXV);                                 \
        cr_assert_eq(x, (T)MAXV);                                              \
        /* exchange returns the old value */                                   \
        cr_assert_eq(ftc_atomic_exchange(&x, (T)1), (T)MAXV);                  \
        cr_assert_eq(ftc_atomic_exchange_relaxed(&x, (T)2), 1);                \
        cr_assert_eq(ftc_atomic_exchange_acquire(&x, (T)3), 2);                \
        cr_assert_eq(ftc_atomic_exchange_release(&x, (T)4), 3);                \
        cr_assert_eq(ftc_atomic_exchange_acq_rel(&x, (T)5), 4);                \
        cr_assert_eq(x, 5);                                                    \
        /* strong CAS: success swaps; failure writes the current value back */ \
        e = 5;                                                                 \
        cr_assert(ftc_atomic_cas(&x, &e, (T)6));                               \
        cr_assert(!ftc_atomic_cas(&x, &e, (T)9));                              \
        cr_assert_eq(e, 6);                                                    \
        cr_assert(ftc_atomic_cas_relaxed(&x, &e, (T)7));                       \
        e = 0;                                                                 \
        cr_assert(!ftc_atomic_cas_relaxed(&x, &e, (T)9));                      \
        cr_assert_eq(e, 7);                                                    \
        cr_assert(ftc_atomic_cas_acquire(&x, &e, (T)8));                       \
        e = 0;                                                                 \
        cr_assert(!ftc_atomic_cas_acquire(&x, &e, (T)9));                      \
        cr_assert_eq(e, 8);                                                    \
        cr_assert(ftc_atomic_cas_release(&x, &e, (T)9));                       \
        e = 0;                                                                 \
        cr_assert(!ftc_atomic_cas_release(&x, &e, (T)1));                      \
        cr_assert_eq(e, 9);                                                    \
        cr_assert(ftc_atomic_cas_acq_rel(&x, &e, (T)10));                      \
        e = 0;                                                                 \
        cr_assert(!ftc_atomic_cas_acq_rel(&x, &e, (T)1));                      \
        cr_assert_eq(e, 10);                                                   \
        /* weak CAS may fail spuriously: loop, as callers must */              \
        e = 10;                                                                \
        while (!ftc_atomic_cas_weak(&x, &e, (T)11))                            \
            cr_assert_eq(e, 10);                                               \
        while (!ftc_atomic_cas_weak_relaxed(&x, &e, (T)12))                    \
            cr_assert_eq(e, 11);                                               \
        while (!ftc_atomic_cas_weak_acquire(&x, &e, (T)13))                    \
            cr_assert_eq(e, 12);                                               \
        while (!ftc_atomic_cas_weak_release(&x, &e, (T)14))                    \
            cr_assert_eq(e, 13);                                               \
        while (!ftc_atomic_cas_weak_acq_rel(&x, &e, (T)15))                    \
            cr_assert_eq(e, 14);                                               \
        e = 0;                                                                 \
        cr_assert(!ftc_atomic_cas_weak(&x, &e, (T)1));                         \
        cr_assert_eq(e, 15);                                                   \
        cr_assert(!ftc_atomic_cas_weak_relaxed(&x, &e, (T)1) || e == 15);      \
        /* fetch_add / fetch_sub return the previous value */                  \
        x = 10;                                                                \
        cr_assert_eq(ftc_atomic_fetch_add(&x, 1), 10);                         \
        cr_assert_eq(ftc_atomic_fetch_add_relaxed(&x, 1), 11);                 \
        cr_assert_eq(ftc_atomic_fetch_add_acquire(&x, 1), 12);                 \
        cr_assert_eq(ftc_atomic_fetch_add_release(&x, 1), 13);                 \
        cr_assert_eq(ftc_atomic_fetch_add_acq_rel(&x, 1), 14);                 \
        cr_assert_eq(x, 15);                                                   \
        cr_assert_eq(ftc_atomic_fetch_sub(&x, 1), 15);                         \
        cr_assert_eq(ftc_atomic_fetch_sub_relaxed(&x, 1), 14);                 \
        cr_assert_eq(ftc_atomic_fetch_sub_acquire(&x, 1), 13);                 \
        cr_assert_eq(ftc_atomic_fetch_sub_release(&x, 1), 12);                 \
        cr_assert_eq(ftc_atomic_fetch_sub_acq_rel(&x, 1), 11);                 \
        cr_assert_eq(x, 10);                                                   \
        /* wrap-around at the type's width */                                  \
        x = (T)MAXV;                                                           \
        cr_assert_eq(ftc_atomic_fetch_add(&x, 1), (T)MAXV);                    \
        cr_assert_eq(x, 0);                                                    \
        cr_assert_eq(ftc_atomic_fetch_sub(&x, 1), 0);                          \
        cr_assert_eq(x, (T)MAXV);                                              \
        /* fetch_or / fetch_and */                                             \
        x = 0x10;                                                              \
        cr_assert_eq(ftc_atomic_fetch_or(&x, 0x01), 0x10);                     \
        cr_assert_eq(ftc_atomic_fetch_or_relaxed(&x, 0x02), 0x11);             \
        cr_assert_eq(ftc_atomic_fetch_or_acquire(&x, 0x04), 0x13);             \
        cr_assert_eq(ftc_atomic_fetch_or_release(&x, 0x08), 0x17);             \
        cr_assert_eq(ftc_atomic_fetch_or_acq_rel(&x, 0x20), 0x1f);             \
        cr_assert_eq(x, 0x3f);                                                 \
        cr_assert_eq(ftc_atomic_fetch_and(&x, (T)~0x01), 0x3f);                \
        cr_assert_eq(ftc_atomic_fetch_and_relaxed(&x, (T)~0x02), 0x3e);        \
        cr_assert_eq(ftc_atomic_fetch_and_acquire(&x, (T)~0x04), 0x3c);        \
        cr_assert_eq(ftc_atomic_fetch_and_release(&x, (T)~0x08), 0x38);        \
        cr_assert_eq(ftc_atomic_fetch_and_acq_rel(&x, (T)~0x10), 0x30);        \
        cr_assert_eq(x, 0x20);                                                 \
        /* the top bit survives (no sign or width surprises) */                \
        T top = (T)((T)1 << (sizeof(T) * 8 - 1));                              \
        x = 0;                                                                 \
        ftc_atomic_fetch_or(&x, top);                                          \
        cr_assert_eq(ftc_atomic_load(&x), top);                                \
        cr_assert_eq(ftc_atomic_fetch_and(&x, (T)~top), top);                  \
        cr_assert_eq(x, 0);                                                    \
    }

INT_FAMILY(uint8_t, UINT8_MAX)
INT_FAMILY(uint16_t, UINT16_MAX)
INT_FAMILY(uint32_t, UINT32_MAX)
INT_FAMILY(uint64_t, UINT64_MAX)
INT_FAMILY(uintptr_t, UINTPTR_MAX)

Test(atomic, int8) { family_uint8_t(); }
Test(atomic, int16) { family_uint16_t(); }
Test(atomic, int32) { family_uint32_t(); }
Test(atomic, int64) { family_uint64_t(); }
Test(atomic, uintptr) { family_uintptr_t(); }

Test(atomic, signed_types)
{
    int8_t a = -1;
    cr_assert_eq(ftc_atomic_fetch_add(&a, 1), -1);
    cr_assert_eq(a, 0);
    int16_t b = INT16_MIN;
    cr_assert_eq(ftc_atomic_fetch_sub_relaxed(&b, 1), INT16_MIN);
    cr_assert_eq(b, INT16_MAX); /* wraps like the hardware, no UB in the builtin */
    int32_t c = -5;
    cr_assert_eq(ftc_atomic_exchange(&c, 5), -5);
    int64_t d = INT64_MIN, e = INT64_MIN;
    cr_assert(ftc_atomic_cas(&d, &e, INT64_MAX));
    cr_assert_eq(d, INT64_MAX);
}

Test(atomic, pointers)
{
    int arr[4] = {0};
    int *p = &arr[0], *e;
    cr_assert_eq(ftc_atomic_load(&p), &arr[0]);
    cr_assert_eq(ftc_atomic_load_relaxed(&p), &arr[0]);
    cr_assert_eq(ftc_atomic_load_acquire(&p), &arr[0]);
    ftc_atomic_store(&p, &arr[1]);
    ftc_atomic_store_relaxed(&p, &arr[2]);
    ftc_atomic_store_release(&p, &arr[3]);
    cr_assert_eq(p, &arr[3]);
    cr_assert_eq(ftc_atomic_exchange(&p, &arr[0]), &arr[3]);
    cr_assert_eq(ftc_atomic_exchange_relaxed(&p, &arr[1]), &arr[0]);
    cr_assert_eq(ftc_atomic_exchange_acquire(&p, &arr[2]), &arr[1]);
    cr_assert_eq(ftc_atomic_exchange_release(&p, &arr[3]), &arr[2]);
    cr_assert_eq(ftc_atomic_exchange_acq_rel(&p, NULL), &arr[3]);
    e = NULL;
    cr_assert(ftc_atomic_cas(&p, &e, &arr[0]));
    cr_assert(!ftc_atomic_cas_acquire(&p, &e, &arr[1]));
    cr_assert_eq(e, &arr[0]);
    cr_assert(ftc_atomic_cas_release(&p, &e, &arr[1]));
    cr_assert(!ftc_atomic_cas_relaxed(&p, &e, &arr[2]));
    cr_assert_eq(e, &arr[1]);
    cr_assert(ftc_atomic_cas_acq_rel(&p, &e, &arr[2]));
    while (!ftc_atomic_cas_weak_acq_rel(&p, &e, &arr[3]))
        ;
    cr_assert_eq(p, &arr[3]);
    /* fetch_add on a pointer counts bytes, not elements (documented in atomic.h) */
    p = &arr[0];
    cr_assert_eq(ftc_atomic_fetch_add(&p, sizeof(int)), &arr[0]);
    cr_assert_eq(p, &arr[1]);
    cr_assert_eq(ftc_atomic_fetch_sub_release(&p, sizeof(int)), &arr[1]);
    cr_assert_eq(p, &arr[0]);
    /* const pointer loads */
    int *const *cp = &p;
    cr_assert_eq(ftc_atomic_load_acquire(cp), &arr[0]);
}

Test(atomic, fences_and_relax_compile_and_run)
{
    ftc_atomic_fence();
    ftc_atomic_fence_acquire();
    ftc_atomic_fence_release();
    ftc_atomic_fence_acq_rel();
    ftc_atomic_signal_fence();
    ftc_cpu_relax();
}

Test(atomic, ft_wrappers)
{
    int64_t v = 3;
    cr_assert_eq(ftc_ft_load(&v), 3);
    cr_assert_eq(ftc_ft_load_relaxed(&v), 3);
    cr_assert_eq(ftc_ft_load_acquire(&v), 3);
    ftc_ft_store(&v, 4);
    cr_assert_eq(v, 4);
    ftc_ft_store_relaxed(&v, 5);
    cr_assert_eq(v, 5);
    ftc_ft_store_release(&v, 6);
    cr_assert_eq(v, 6);
    /* the previous value, and each argument evaluated once */
    int64_t *pv = &v;
    int calls = 0;
    int64_t *arr[1] = {&v};
    cr_assert_eq(ftc_ft_fetch_add_relaxed(arr[calls++], 10), 6);
    cr_assert_eq(calls, 1);
    cr_assert_eq(*pv, 16);
    int k = 2;
    cr_assert_eq(ftc_ft_fetch_add_relaxed(&v, k++), 16);
    cr_assert_eq(k, 3);
    cr_assert_eq(v, 18);
    uint8_t small = 255;
    cr_assert_eq(ftc_ft_fetch_add_relaxed(&small, 1), 255);
    cr_assert_eq(small, 0);
    void *ptr = NULL;
    ftc_ft_store_release(&ptr, (void *)&v);
    cr_assert_eq(ftc_ft_load_acquire(&ptr), (void *)&v);
}
