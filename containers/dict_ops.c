/* Dict operations over many items: copy, update, iteration, and the keys/values/items lists.
 *
 * Each reads its dict inside the dict's critical section, so it sees one state of it. copy
 * builds the new table directly from the live entries (one allocation, compacted, in order).
 * update snapshots the source's entries with their stored hashes (so no hash callback runs)
 * and sets them into the target in one critical section and one write window, so that no
 * reader, lock-free or not, sees the target part-way; eq callbacks may still run for keys of
 * user types (a blocking one lets other threads in), and a failing one stops the update there.
 *
 * Iteration keeps a position (an entry number) and the dict's shape counter from its first
 * step; the shape moves whenever a key is added or removed or the table is rebuilt, and then
 * the next step reports FTC_ECHANGED instead of skipping or repeating items.
 */
#include "dict_internal.h"
#include "list_internal.h"

ftc_object *ftc_dict_copy(ftc_object *d)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(d, &ftc_dict_type);
    if (rc < 0) {
        ftc_set_last_error(rc);
        return NULL;
    }
    ftc_object *nd = ftc_dict_new();
    if (nd == NULL)
        return NULL;
    FTC_BEGIN_CRITICAL_SECTION(d);
    ftc_dict_obj *src = DICT(d);
    dict_keys *k = src->keys;
    if (k != NULL && src->used > 0) {
        dict_keys *nk = _ftc_dict_keys_build(dk_entries(k), k->nentries, src->used);
        if (nk == NULL) {
            rc = FTC_ENOMEM;
        } else {
            dict_entry *ents = dk_entries(nk);
            for (int64_t j = 0; j < nk->nentries; j++) {
                ftc_incref(ents[j].key);
                ftc_incref(ents[j].value);
            }
            /* nd is not visible to any other thread yet. */
            DICT(nd)->keys = nk;
            DICT(nd)->used = nk->nentries;
        }
    }
    FTC_END_CRITICAL_SECTION();
    if (rc < 0) {
        ftc_decref(nd);
        ftc_set_last_error(rc);
        return NULL;
    }
    return nd;
}

/* The live entries of d with new references (critical section held). NULL if there are none
 * (*n = 0) or on allocation failure (*n = -1). */
static dict_entry *snapshot_locked(ftc_dict_obj *d, int64_t *n)
{
    dict_keys *k = d->keys;
    *n = 0;
    if (k == NULL || d->used == 0)
        return NULL;
    dict_entry *snap = ftc_mem_alloc((size_t)d->used * sizeof(dict_entry));
    if (snap == NULL) {
        *n = -1;
        return NULL;
    }
    dict_entry *ents = dk_entries(k);
    int64_t m = 0;
    for (int64_t j = 0; j < k->nentries; j++) {
        if (ents[j].key == NULL)
            continue;
        snap[m] = ents[j];
        ftc_incref(snap[m].key);
        ftc_incref(snap[m].value);
        m++;
    }
    *n = m;
    return snap;
}

static void snapshot_free(dict_entry *snap, int64_t n)
{
    for (int64_t j = 0; j < n; j++) {
        ftc_decref(snap[j].key);
        ftc_decref(snap[j].value);
    }
    ftc_mem_free(snap);
}

int ftc_dict_update(ftc_object *d, ftc_object *other)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(d, &ftc_dict_type);
    if (rc < 0)
        return rc;
    rc = ctr_check(other, &ftc_dict_type);
    if (rc < 0)
        return rc;
    int64_t n;
    dict_entry *snap;
    FTC_BEGIN_CRITICAL_SECTION(other);
    snap = snapshot_locked(DICT(other), &n);
    FTC_END_CRITICAL_SECTION();
    if (n < 0)
        return FTC_ENOMEM;
    FTC_BEGIN_CRITICAL_SECTION(d);
    /* One window around every insertion: lock-free readers see d before or after (a reader
     * that finds it open takes the locked path and waits for the end). */
    dict_window_open(DICT(d));
    for (int64_t j = 0; j < n && rc == 0; j++) {
        ftc_object *old = NULL;
        rc = _ftc_dict_set_locked(DICT(d), snap[j].key, snap[j].hash, snap[j].value, &old);
        /* The dict is consistent again: the old value's deallocator may use it (its reads of
         * d take the locked path, which re-enters our critical section). */
        ftc_xdecref(old);
    }
    dict_window_close(DICT(d));
    FTC_END_CRITICAL_SECTION();
    if (snap != NULL)
        snapshot_free(snap, n);
    return rc;
}

int ftc_dict_next(ftc_object *d, ftc_dict_pos *pos, ftc_object **key, ftc_object **value)
{
    ctr_require_attached(__func__);
    if (key != NULL)
        *key = NULL;
    if (value != NULL)
        *value = NULL;
    int rc = ctr_check(d, &ftc_dict_type);
    if (rc < 0)
        return rc;
    if (pos == NULL || pos->index < 0)
        return FTC_EINVAL;
    FTC_BEGIN_CRITICAL_SECTION(d);
    ftc_dict_obj *dd = DICT(d);
    if (!pos->started) {
        pos->started = 1;
        pos->shape = dd->shape;
    }
    if (pos->shape != dd->shape) {
        rc = FTC_ECHANGED;
    } else if (dd->keys != NULL) {
        dict_keys *k = dd->keys;
        dict_entry *ents = dk_entries(k);
        for (int64_t j = pos->index; j < k->nentries; j++) {
            if (ents[j].key == NULL)
                continue;
            if (key != NULL) {
                *key = ents[j].key;
                ftc_incref(*key);
            }
            if (value != NULL) {
                *value = ents[j].value;
                ftc_incref(*value);
            }
            pos->index = j + 1;
            rc = 1;
            break;
        }
    }
    FTC_END_CRITICAL_SECTION();
    return rc;
}

enum { VIEW_KEYS, VIEW_VALUES, VIEW_ITEMS };

static ftc_object *dict_view(ftc_object *d, int which)
{
    int rc = ctr_check(d, &ftc_dict_type);
    if (rc < 0) {
        ftc_set_last_error(rc);
        return NULL;
    }
    int64_t n;
    dict_entry *snap;
    FTC_BEGIN_CRITICAL_SECTION(d);
    snap = snapshot_locked(DICT(d), &n);
    FTC_END_CRITICAL_SECTION();
    if (n < 0) {
        ftc_set_last_error(FTC_ENOMEM);
        return NULL;
    }
    ftc_object *out = NULL;
    ftc_object **arr = n > 0 ? ftc_mem_alloc((size_t)n * sizeof(ftc_object *)) : NULL;
    if (n > 0 && arr == NULL) {
        rc = FTC_ENOMEM;
        goto done;
    }
    int64_t made = 0;
    for (; made < n; made++) {
        if (which == VIEW_KEYS) {
            arr[made] = snap[made].key;
            ftc_incref(arr[made]);
        } else if (which == VIEW_VALUES) {
            arr[made] = snap[made].value;
            ftc_incref(arr[made]);
        } else {
            ftc_object *pair[2] = {snap[made].key, snap[made].value};
            arr[made] = _ftc_list_from_array(pair, 2);
            if (arr[made] == NULL) {
                rc = FTC_ENOMEM;
                break;
            }
        }
    }
    if (rc == 0) {
        out = _ftc_list_from_array(arr, n);
        if (out == NULL)
            rc = FTC_ENOMEM;
    }
    for (int64_t j = 0; j < made; j++)
        ftc_decref(arr[j]);
    ftc_mem_free(arr);
done:
    if (snap != NULL)
        snapshot_free(snap, n);
    if (rc < 0)
        ftc_set_last_error(rc);
    return out;
}

ftc_object *ftc_dict_keys(ftc_object *d)
{
    ctr_require_attached(__func__);
    return dict_view(d, VIEW_KEYS);
}
ftc_object *ftc_dict_values(ftc_object *d)
{
    ctr_require_attached(__func__);
    return dict_view(d, VIEW_VALUES);
}
ftc_object *ftc_dict_items(ftc_object *d)
{
    ctr_require_attached(__func__);
    return dict_view(d, VIEW_ITEMS);
}
