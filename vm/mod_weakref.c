/* The weakref module: weakref.ref (ReferenceType) on ftcore's weak references (weakref.h).
 *
 * A ref object embeds an ftc_weakref (its struct starts with one, as weakref.h prescribes), so
 * the core's protocol is the whole mechanism: the referent's pointer is cleared under the
 * core's striped lock before the referent's dealloc runs, and calling the ref try-increfs the
 * referent under that lock, so a ref never returns a dying, freed or resurrected object, in
 * either build, whichever thread drops the last reference. What ftpy adds:
 *
 *   - which objects can be referenced: CPython's list (FP_TPFLAG_WEAKREF: classes made by a
 *     class statement, functions, bound methods, generators, sets, types, modules, the
 *     threading objects); an int, str, tuple, list, dict, builtin exception... is refused with
 *     CPython's TypeError "cannot create weak reference to 'int' object". The core accepts any
 *     tracked or immortal object; the flag is the narrower, Python-visible rule.
 *   - the callback: a Python callable called once with the ref itself, after the referent
 *     died, on the thread that dropped the last reference or ran the collection (the core
 *     calls the trampoline outside its locks, holding a reference to the ref for the call).
 *     It is not called if the ref died first (the core unlinks it in our dealloc). The
 *     trampoline takes the callable out of the ref (so a cycle through it is gone), saves and
 *     restores the thread's current exception around the call, and reports an exception the
 *     callback raised as CPython does ("Exception ignored in: ..." and the traceback on
 *     stderr). A thread without an ftpy state (ftcore's fini freeing the module dicts after
 *     ftpy's fini) runs no callback, as CPython runs none at exit.
 *   - hash: the referent's, computed once and kept, so that a ref that had a hash keeps it
 *     after its referent dies; a dead ref never hashed raises TypeError("weak object has gone
 *     away"). The cache is one atomic word (-1 = not computed: Python hashes are never -1).
 *   - ==, !=: two live refs compare their referents; otherwise they compare by identity.
 *
 * WeakValueDictionary, WeakKeyDictionary and finalize are Python code on ref (below).
 *
 * Not done (differences from CPython): refs without a callback are not shared (CPython returns
 * the same object for weakref.ref(x) twice); ref cannot be subclassed; proxy, WeakSet and
 * WeakMethod raise NotImplementedError "ftpy does not support weakref.<name>".
 */
#include "mod_threading.h"

#include <ftcore/weakref.h>
#include <stdio.h>

typedef struct fp_weakref_object {
    ftc_weakref wr;       /* first: the core's part (its header is the object's) */
    ftc_object *callback; /* atomic: NULL for none, or once taken by the trampoline */
    int64_t hash;         /* atomic: -1 until computed */
} fp_weakref_object;

#define WR(o) ((fp_weakref_object *)(void *)(o))

static fp_type fp_weakref_type;

/* Set by fp_runtime_fini (through fp_mod_weakref_shutdown): no callback runs after it. */
static int callbacks_off; /* atomic */

static void report_unraisable(ftc_object *callback, ftc_object *exc)
{
    fp_stdout_flush();
    ftc_object *r = fp_repr(callback);
    if (r != NULL) {
        fprintf(stderr, "Exception ignored in: %s\n", fp_str_data(r));
        ftc_decref(r);
    } else {
        fp_err_clear();
        fprintf(stderr, "Exception ignored in a weakref callback\n");
    }
    fp_exc_print(exc);
}

/* Drops r, what calling callback returned; NULL (it raised) is reported as unraisable, the
 * exception cleared. */
static void discard_result(ftc_object *callback, ftc_object *r)
{
    if (r != NULL) {
        ftc_decref(r);
        return;
    }
    ftc_object *exc = fp_err_fetch();
    if (exc != NULL) {
        report_unraisable(callback, exc);
        ftc_decref(exc);
    }
}

static void trampoline(ftc_weakref *ref, void *data)
{
    (void)data;
    fp_weakref_object *w = WR(ref);
    if (ftc_atomic_load_relaxed(&callbacks_off) || !fp_thread_entered())
        return;
    ftc_object *cb = ftc_atomic_exchange_acq_rel(&w->callback, (ftc_object *)NULL);
    if (cb == NULL)
        return;
    ftc_object *saved = fp_err_fetch();
    discard_result(cb, fp_call1(cb, FTC_OBJ(w)));
    ftc_decref(cb);
    fp_err_restore(saved);
}

static void weakref_dealloc(ftc_object *o)
{
    /* first: unlinked, the ref is never cleared or called back again */
    ftc_weakref_fini(&WR(o)->wr);
    ftc_xdecref(WR(o)->callback);
}

/* The referent is not a reference (that is the point); the callback is. */
static int weakref_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(ftc_atomic_load_relaxed(&WR(o)->callback));
    return 0;
}

static int weakref_clear(ftc_object *o)
{
    ftc_object *cb = ftc_atomic_exchange_acq_rel(&WR(o)->callback, (ftc_object *)NULL);
    ftc_xdecref(cb);
    return 0;
}

static ftc_object *weakref_new(fp_type *type, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    if (kwnames != NULL && fp_tuple_size(kwnames) > 0) {
        fp_err_set(&fp_TypeError_type, "ref() takes no keyword arguments");
        return NULL;
    }
    if (fp_check_args("__new__", nargs, NULL, 1, 2) < 0)
        return NULL;
    ftc_object *obj = args[0];
    ftc_object *callback = nargs > 1 && args[1] != fp_None ? args[1] : NULL;
    if (!(fp_type_of(obj)->flags & FP_TPFLAG_WEAKREF) || !ftc_weakref_supported(obj)) {
        fp_err_set(&fp_TypeError_type, "cannot create weak reference to '%s' object",
                   fp_type_name(obj));
        return NULL;
    }
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL)
        return fp_err_nomem();
    fp_weakref_object *w = WR(o);
    w->hash = -1;
    if (callback != NULL) {
        ftc_incref(callback);
        w->callback = callback;
    }
    int rc = ftc_weakref_init(&w->wr, obj, callback != NULL ? trampoline : NULL, NULL);
    if (rc != 0) {
        ftc_decref(o);
        if (rc == FTC_ETYPE) {
            fp_err_set(&fp_TypeError_type, "cannot create weak reference to '%s' object",
                       fp_type_name(obj));
            return NULL;
        }
        return fp_err_from_code(rc, NULL), NULL;
    }
    return o;
}

static ftc_object *weakref_call(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("weakref", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_object *o = ftc_weakref_get_ref(&WR(self)->wr);
    if (o != NULL)
        return o;
    ftc_incref(fp_None);
    return fp_None;
}

static ftc_object *weakref_repr(ftc_object *self)
{
    ftc_object *o = ftc_weakref_get_ref(&WR(self)->wr);
    if (o == NULL)
        return fp_str_from_fmt("<weakref at %p; dead>", (void *)self);
    ftc_object *name = fp_getattr_opt(o, fp_intern("__name__"));
    ftc_object *r = NULL;
    if (name == NULL && fp_err_occurred() != NULL) {
        ftc_decref(o);
        return NULL;
    }
    if (name != NULL && fp_str_check(name))
        r = fp_str_from_fmt("<weakref at %p; to '%s' at %p (%s)>", (void *)self, fp_type_name(o),
                            (void *)o, fp_str_data(name));
    else
        r = fp_str_from_fmt("<weakref at %p; to '%s' at %p>", (void *)self, fp_type_name(o),
                            (void *)o);
    ftc_xdecref(name);
    ftc_decref(o);
    return r;
}

static int64_t weakref_hash(ftc_object *self)
{
    fp_weakref_object *w = WR(self);
    int64_t h = ftc_atomic_load_relaxed(&w->hash);
    if (h != -1)
        return h;
    ftc_object *o = ftc_weakref_get_ref(&w->wr);
    if (o == NULL) {
        fp_err_set(&fp_TypeError_type, "weak object has gone away");
        return -1;
    }
    h = fp_hash(o);
    ftc_decref(o);
    if (h == -1)
        return -1;
    /* Relaxed: every thread computes the same value from the same referent. */
    ftc_atomic_store_relaxed(&w->hash, h);
    return h;
}

static ftc_object *weakref_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if ((op != FP_EQ && op != FP_NE) || fp_type_of(a) != &fp_weakref_type ||
        fp_type_of(b) != &fp_weakref_type) {
        ftc_incref(fp_NotImplemented);
        return fp_NotImplemented;
    }
    ftc_object *oa = ftc_weakref_get_ref(&WR(a)->wr);
    ftc_object *ob = ftc_weakref_get_ref(&WR(b)->wr);
    ftc_object *r;
    if (oa == NULL || ob == NULL) {
        bool same = a == b;
        r = fp_bool(op == FP_EQ ? same : !same);
    } else {
        r = fp_richcompare(oa, ob, op);
    }
    ftc_xdecref(oa);
    ftc_xdecref(ob);
    return r;
}

static ftc_object *weakref_get_callback(ftc_object *self)
{
    /* The ref holds the callable until the trampoline takes it (then None, as CPython). */
    ftc_object *cb = ftc_atomic_load_acquire(&WR(self)->callback);
    if (cb == NULL || !ftc_try_incref(cb)) {
        ftc_incref(fp_None);
        return fp_None;
    }
    return cb;
}

static const fp_getset_def weakref_getsets[] = {
    {"__callback__", weakref_get_callback, NULL},
    {NULL, NULL, NULL},
};

static fp_type fp_weakref_type = {
    FP_TYPE_HEAD,
    .ct = {"ReferenceType", sizeof(fp_weakref_object), weakref_dealloc, NULL, NULL,
           weakref_traverse, weakref_clear},
    .base = &fp_object_type,
    .module = "weakref",
    .repr = weakref_repr,
    .hash = weakref_hash,
    .richcompare = weakref_richcompare,
    .call = weakref_call,
    .new_ = weakref_new,
    .getsets = weakref_getsets,
};

/* ---- module functions ---- */

static ftc_object *wr_getweakrefcount(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("getweakrefcount", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return fp_int_new(ftc_weakref_count(args[0]));
}

#define UNSUPPORTED(fn, name) FP_UNSUPPORTED_FUNCTION(fn, "weakref." name)
UNSUPPORTED(wr_proxy, "proxy")
UNSUPPORTED(wr_wset, "WeakSet")
UNSUPPORTED(wr_wmethod, "WeakMethod")
#undef UNSUPPORTED

static const fp_method_def weakref_functions[] = {
    {"getweakrefcount", wr_getweakrefcount, 0},
    {"proxy", wr_proxy, 0},
    {"WeakSet", wr_wset, 0},
    {"WeakMethod", wr_wmethod, 0},
    {NULL, NULL, 0},
};

/* WeakValueDictionary, WeakKeyDictionary and finalize, written in Python on ref (the module's
 * globals: ref, and _Lock = threading's RLock), run in the module at its creation (in pieces:
 * C99 promises string literals of 4095 bytes only). Their entries are removed by ref callbacks
 * under a per-dictionary lock (callbacks run on whatever thread dropped the object or collected
 * it). The lock is reentrant: an automatic collection may run at a tick inside a dictionary's
 * own method, on the thread that holds the lock, and call a callback of that same dictionary
 * (which then removes only its own entry: `data.get(key) is wr`). Iteration works on a
 * snapshot of the entries.
 * finalize keeps its registry as CPython does (a class-level dict of the live finalizers,
 * which keeps each finalizer and so its callback alive); the finalizers still alive with
 * atexit set run at exit, newest first (fp_mod_weakref_shutdown). */
static const char *const weakref_py[] = {
    "class WeakValueDictionary:\n"
    "    def __init__(self, other=(), **kwargs):\n"
    "        self.data = {}\n"
    "        self._lock = _Lock()\n"
    "        self._selfref = ref(self)\n"
    "        self.update(other, **kwargs)\n"
    "\n"
    "    def _remover(self, key):\n"
    "        selfref = self._selfref\n"
    "\n"
    "        def remove(wr):\n"
    "            d = selfref()\n"
    "            if d is not None:\n"
    "                with d._lock:\n"
    "                    if d.data.get(key) is wr:\n"
    "                        del d.data[key]\n"
    "        return remove\n"
    "\n"
    "    def __getitem__(self, key):\n"
    "        o = self.data[key]()\n"
    "        if o is None:\n"
    "            raise KeyError(key)\n"
    "        return o\n"
    "\n"
    "    def __setitem__(self, key, value):\n"
    "        wr = ref(value, self._remover(key))\n"
    "        with self._lock:\n"
    "            self.data[key] = wr\n"
    "\n"
    "    def __delitem__(self, key):\n"
    "        with self._lock:\n"
    "            del self.data[key]\n"
    "\n"
    "    def __contains__(self, key):\n"
    "        try:\n"
    "            wr = self.data[key]\n"
    "        except KeyError:\n"
    "            return False\n"
    "        return wr() is not None\n"
    "\n"
    "    def __len__(self):\n"
    "        n = 0\n"
    "        for wr in list(self.data.values()):\n"
    "            if wr() is not None:\n"
    "                n += 1\n"
    "        return n\n"
    "\n"
    "    def __iter__(self):\n"
    "        for k, wr in list(self.data.items()):\n"
    "            if wr() is not None:\n"
    "                yield k\n"
    "\n"
    "    def keys(self):\n"
    "        return self.__iter__()\n"
    "\n"
    "    def values(self):\n"
    "        for wr in list(self.data.values()):\n"
    "            o = wr()\n"
    "            if o is not None:\n"
    "                yield o\n"
    "\n"
    "    def items(self):\n"
    "        for k, wr in list(self.data.items()):\n"
    "            o = wr()\n"
    "            if o is not None:\n"
    "                yield k, o\n"
    "\n"
    "    def itervaluerefs(self):\n"
    "        yield from list(self.data.values())\n"
    "\n"
    "    def valuerefs(self):\n"
    "        return list(self.data.values())\n"
    "\n"
    "    def get(self, key, default=None):\n"
    "        try:\n"
    "            wr = self.data[key]\n"
    "        except KeyError:\n"
    "            return default\n"
    "        o = wr()\n"
    "        if o is None:\n"
    "            return default\n"
    "        return o\n"
    "\n"
    "    def pop(self, key, *args):\n"
    "        if len(args) > 1:\n"
    "            raise TypeError(f\"pop expected at most 2 arguments, got {1 + len(args)}\")\n"
    "        with self._lock:\n"
    "            wr = self.data.pop(key, None)\n"
    "        o = None if wr is None else wr()\n"
    "        if o is None:\n"
    "            if args:\n"
    "                return args[0]\n"
    "            raise KeyError(key)\n"
    "        return o\n"
    "\n"
    "    def popitem(self):\n"
    "        while True:\n"
    "            with self._lock:\n"
    "                k, wr = self.data.popitem()\n"
    "            o = wr()\n"
    "            if o is not None:\n"
    "                return k, o\n"
    "\n"
    "    def setdefault(self, key, default=None):\n"
    "        with self._lock:\n"
    "            wr = self.data.get(key)\n"
    "            o = None if wr is None else wr()\n"
    "            if o is None:\n"
    "                self.data[key] = ref(default, self._remover(key))\n"
    "                return default\n"
    "            return o\n"
    "\n"
    "    def update(self, other=(), **kwargs):\n"
    "        if hasattr(other, \"items\"):\n"
    "            other = other.items()\n"
    "        for k, v in other:\n"
    "            self[k] = v\n"
    "        for k, v in kwargs.items():\n"
    "            self[k] = v\n"
    "\n"
    "    def clear(self):\n"
    "        with self._lock:\n"
    "            self.data.clear()\n"
    "\n"
    "    def copy(self):\n"
    "        return WeakValueDictionary(self.items())\n"
    "\n"
    "    def __eq__(self, other):\n"
    "        if not hasattr(other, \"items\"):\n"
    "            return NotImplemented\n"
    "        return dict(self.items()) == dict(other.items())\n"
    "\n"
    "    def __repr__(self):\n"
    "        return f\"<WeakValueDictionary at {id(self):#x}>\"\n"
    "\n"
    "\n",
    "class WeakKeyDictionary:\n"
    "    def __init__(self, dict=None):\n"
    "        self.data = {}\n"
    "        self._lock = _Lock()\n"
    "        selfref = ref(self)\n"
    "\n"
    "        def remove(k):\n"
    "            d = selfref()\n"
    "            if d is not None:\n"
    "                with d._lock:\n"
    "                    d.data.pop(k, None)\n"
    "        self._remove = remove\n"
    "        if dict is not None:\n"
    "            self.update(dict)\n"
    "\n"
    "    def __getitem__(self, key):\n"
    "        return self.data[ref(key)]\n"
    "\n"
    "    def __setitem__(self, key, value):\n"
    "        wr = ref(key, self._remove)\n"
    "        with self._lock:\n"
    "            self.data[wr] = value\n"
    "\n"
    "    def __delitem__(self, key):\n"
    "        wr = ref(key)\n"
    "        with self._lock:\n"
    "            del self.data[wr]\n"
    "\n"
    "    def __contains__(self, key):\n"
    "        try:\n"
    "            wr = ref(key)\n"
    "        except TypeError:\n"
    "            return False\n"
    "        return wr in self.data\n"
    "\n"
    "    def __len__(self):\n"
    "        n = 0\n"
    "        for wr in list(self.data):\n"
    "            if wr() is not None:\n"
    "                n += 1\n"
    "        return n\n"
    "\n"
    "    def __iter__(self):\n"
    "        for wr in list(self.data):\n"
    "            o = wr()\n"
    "            if o is not None:\n"
    "                yield o\n"
    "\n"
    "    def keys(self):\n"
    "        return self.__iter__()\n"
    "\n"
    "    def values(self):\n"
    "        for wr, v in list(self.data.items()):\n"
    "            if wr() is not None:\n"
    "                yield v\n"
    "\n"
    "    def items(self):\n"
    "        for wr, v in list(self.data.items()):\n"
    "            o = wr()\n"
    "            if o is not None:\n"
    "                yield o, v\n"
    "\n"
    "    def keyrefs(self):\n"
    "        return list(self.data)\n"
    "\n"
    "    def get(self, key, default=None):\n"
    "        return self.data.get(ref(key), default)\n"
    "\n"
    "    def pop(self, key, *args):\n"
    "        with self._lock:\n"
    "            return self.data.pop(ref(key), *args)\n"
    "\n"
    "    def popitem(self):\n"
    "        while True:\n"
    "            with self._lock:\n"
    "                wr, v = self.data.popitem()\n"
    "            o = wr()\n"
    "            if o is not None:\n"
    "                return o, v\n"
    "\n"
    "    def setdefault(self, key, default=None):\n"
    "        wr = ref(key, self._remove)\n"
    "        with self._lock:\n"
    "            return self.data.setdefault(wr, default)\n"
    "\n"
    "    def update(self, dict=None, **kwargs):\n"
    "        if dict is not None:\n"
    "            if hasattr(dict, \"items\"):\n"
    "                dict = dict.items()\n"
    "            for k, v in dict:\n"
    "                self[k] = v\n"
    "        for k, v in kwargs.items():\n"
    "            self[k] = v\n"
    "\n"
    "    def clear(self):\n"
    "        with self._lock:\n"
    "            self.data.clear()\n"
    "\n"
    "    def copy(self):\n"
    "        return WeakKeyDictionary(self.items())\n"
    "\n"
    "    def __eq__(self, other):\n"
    "        if not hasattr(other, \"items\"):\n"
    "            return NotImplemented\n"
    "        return dict(self.items()) == dict(other.items())\n"
    "\n"
    "    def __repr__(self):\n"
    "        return f\"<WeakKeyDictionary at {id(self):#x}>\"\n"
    "\n"
    "\n",
    "class _FinalizeInfo:\n"
    "    pass\n"
    "\n"
    "\n"
    "class finalize:\n"
    "    _registry = {}\n"
    "    _shutdown = False\n"
    "\n"
    "    def __init__(self, obj, func, *args, **kwargs):\n"
    "        info = _FinalizeInfo()\n"
    "        info.weakref = ref(obj, self)\n"
    "        info.func = func\n"
    "        info.args = args\n"
    "        info.kwargs = kwargs or None\n"
    "        info.atexit = True\n"
    "        finalize._registry[self] = info\n"
    "\n"
    "    def __call__(self, _=None):\n"
    "        info = finalize._registry.pop(self, None)\n"
    "        if info is not None and not finalize._shutdown:\n"
    "            return info.func(*info.args, **(info.kwargs or {}))\n"
    "\n"
    "    def detach(self):\n"
    "        info = finalize._registry.get(self)\n"
    "        obj = None if info is None else info.weakref()\n"
    "        if obj is not None and finalize._registry.pop(self, None) is not None:\n"
    "            return (obj, info.func, info.args, info.kwargs or {})\n"
    "\n"
    "    def peek(self):\n"
    "        info = finalize._registry.get(self)\n"
    "        obj = None if info is None else info.weakref()\n"
    "        if obj is not None:\n"
    "            return (obj, info.func, info.args, info.kwargs or {})\n"
    "\n"
    "    @property\n"
    "    def alive(self):\n"
    "        return self in finalize._registry\n"
    "\n"
    "    @property\n"
    "    def atexit(self):\n"
    "        info = finalize._registry.get(self)\n"
    "        return info is not None and info.atexit\n"
    "\n"
    "    @atexit.setter\n"
    "    def atexit(self, value):\n"
    "        info = finalize._registry.get(self)\n"
    "        if info is not None:\n"
    "            info.atexit = bool(value)\n"
    "\n"
    "    def __repr__(self):\n"
    "        info = finalize._registry.get(self)\n"
    "        obj = None if info is None else info.weakref()\n"
    "        if obj is None:\n"
    "            return f\"<finalize object at {id(self):#x}; dead>\"\n"
    "        return (f\"<finalize object at {id(self):#x}; for {type(obj).__name__!r} \"\n"
    "                f\"at {id(obj):#x}>\")\n"
    "\n"
    "\n"
    "def _exit_pending():\n"
    "    pending = [f for f, i in list(finalize._registry.items()) if i.atexit]\n"
    "    pending.reverse()\n"
    "    return pending\n",
};

/* The module, once made (under the import lock; read at exit). */
static ftc_object *weakref_module;

int fp_mod_weakref_init(ftc_object *m)
{
    if (fp_type_ready(&fp_weakref_type) < 0 || fp_type_ready(&fp_mod_rlock_type) < 0 ||
        fp_module_add_functions(m, weakref_functions) < 0)
        return -1;
    if (fp_module_add(m, "ref", FP_TYPE_OBJ(&fp_weakref_type)) < 0 ||
        fp_module_add(m, "ReferenceType", FP_TYPE_OBJ(&fp_weakref_type)) < 0 ||
        fp_module_add(m, "_Lock", FP_TYPE_OBJ(&fp_mod_rlock_type)) < 0)
        return -1;
    for (size_t i = 0; i < sizeof weakref_py / sizeof weakref_py[0]; i++)
        if (fp_module_exec_source(m, weakref_py[i], "<weakref>") < 0)
            return -1;
    ftc_atomic_store_release(&weakref_module, m);
    return 0;
}

/* Runs the finalizers still alive (newest first; those they create too) and marks finalize
 * shut down, as CPython's at-exit function does. Called by fp_runtime_fini after the
 * non-daemon threads were joined and before its exit collection (whose weakref callbacks still
 * run, as in CPython's). */
void fp_mod_weakref_shutdown(void)
{
    ftc_object *m = ftc_atomic_load_acquire(&weakref_module);
    if (m != NULL && fp_thread_entered()) {
        ftc_object *saved = fp_err_fetch();
        ftc_object *pending_fn = fp_dict_get(fp_module_dict(m), fp_intern("_exit_pending"));
        ftc_object *fin = fp_dict_get(fp_module_dict(m), fp_intern("finalize"));
        for (int round = 0; pending_fn != NULL && round < 100; round++) {
            ftc_object *pending = fp_call0(pending_fn);
            if (pending == NULL || !fp_list_check(pending) || ftc_list_len(pending) == 0) {
                ftc_xdecref(pending);
                break;
            }
            int64_t n = ftc_list_len(pending);
            for (int64_t i = 0; i < n; i++) {
                ftc_object *f = NULL;
                if (ftc_list_get_ref(pending, i, &f) != 0)
                    break;
                discard_result(f, fp_call0(f));
                ftc_decref(f);
            }
            ftc_decref(pending);
        }
        if (fin != NULL)
            fp_setattr(fin, fp_intern("_shutdown"), fp_True);
        fp_err_clear();
        ftc_xdecref(fin);
        ftc_xdecref(pending_fn);
        fp_err_restore(saved);
    }
}

void fp_mod_weakref_callbacks_off(void) { ftc_atomic_store_relaxed(&callbacks_off, 1); }
