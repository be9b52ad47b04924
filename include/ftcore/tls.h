/** @file
 * Thread-local storage: keys with destructors (like pthread keys / CPython's Py_tss_t), and a
 * per-thread storage object like Python's `threading.local`.
 *
 * Storage is per thread state: a thread has one value per key for each interpreter it runs in,
 * and the values live until that thread state is deleted (thread exit, or
 * ftc_gilstate_release() of the outermost ensure), when the destructors run, once per value.
 * get/set need the caller to be attached (they find the storage through the thread state).
 */
#ifndef FTCORE_TLS_H
#define FTCORE_TLS_H

#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/* ---- keys ---- */
typedef uint64_t ftc_tls_key; /**< 0 is never a valid key */
/** A key value that no created key ever has. */
#define FTC_TLS_KEY_INVALID ((ftc_tls_key)0)
/** The most keys that may exist at once (ftc_tls_key_create() gives FTC_EAGAIN beyond). */
#define FTC_TLS_KEYS_MAX 262144

/** How many rounds of destructors run at most when a thread state is deleted (a destructor
 * that sets values again makes another round). */
#define FTC_TLS_DESTRUCTOR_ROUNDS 4
/** Creates a key; every thread's value for it starts NULL. dtor (may be NULL) is called with a
 * thread's non-NULL value when that thread state is deleted (in that thread, attached, as far
 * as the state layer allows), at most once per value set; a destructor that sets values again
 * is run again, up to FTC_TLS_DESTRUCTOR_ROUNDS rounds. FTC_EAGAIN when FTC_TLS_KEYS_MAX keys
 * exist, FTC_ENOMEM. */
FTC_API int ftc_tls_key_create(ftc_tls_key *out, void (*dtor)(void *value));
/** Deletes a key. Like pthread_key_delete, destructors are NOT run: every thread's value for it
 * is forgotten (the caller owns them). FTC_EINVAL for a key that is not live. The caller must
 * make sure no thread uses the key concurrently. */
FTC_API int ftc_tls_key_delete(ftc_tls_key key);
/** The calling thread's value, or NULL (unset, invalid or deleted key, or not attached). */
FTC_API void *ftc_tls_get(ftc_tls_key key);
/** Sets the calling thread's value (NULL clears it, without calling the destructor).
 * 0, FTC_EINVAL (not a live key), FTC_ESTATE (not attached), FTC_ENOMEM (nothing changed). */
FTC_API int ftc_tls_set(ftc_tls_key key, void *value);

/* ---- threading.local ----
 * An object holding one object reference per thread. A thread's value is released when the
 * thread state is deleted, or when the local object is deallocated, whichever comes first. */
FTC_API extern const ftc_type ftc_local_type; /**< the type of a local object */
/** Returns a new reference, or NULL (ftc_last_error()). */
FTC_API ftc_object *ftc_local_new(void);
/** With init: a thread that reads its value before setting one gets init(arg) (a new reference,
 * or NULL with a negative code in *err), stored as its value: Python's local subclass __init__
 * running once per thread. */
FTC_API ftc_object *ftc_local_new_with_init(ftc_object *(*init)(void *arg, int *err), void *arg);
/** 1 and a new reference in *out, or 0 and *out = NULL when the thread has no value, or a
 * negative code (FTC_ETYPE, FTC_ESTATE when not attached, an init failure). */
FTC_API int ftc_local_get(ftc_object *local, ftc_object **out);
/** Stores a reference to value (NULL deletes the thread's value), releasing the previous one.
 * 0, FTC_ETYPE, FTC_ESTATE (not attached), FTC_ENOMEM (nothing changed). */
FTC_API int ftc_local_set(ftc_object *local, ftc_object *value);

FTC_EXTERN_C_END

#endif /* FTCORE_TLS_H */
