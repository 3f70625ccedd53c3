//! Safe wrapper around the `struct btf` API of real libbpf 1.7.0 — the oracle of the differential
//! tests.
//!
//! libbpf comes from the `libbpf-sys` crate built with its `vendored-libbpf` feature, i.e. libbpf
//! v1.7.0 compiled from source and linked statically into the test binaries. This module and its
//! submodules hold the crate's calls into libbpf; the only other `unsafe` code is the bpf(2) and
//! memfd syscalls of [`kernel`](crate::kernel) and [`memfd`](crate::memfd).
//!
//! # Ownership and lifetimes
//!
//! A [`LibbpfBtf`] owns one `struct btf *` and frees it with `btf__free` on drop. A split BTF
//! (one made with [`LibbpfBtf::from_bytes_split`] or [`LibbpfBtf::parse_split`]) keeps a raw pointer
//! to its base inside libbpf, so the wrapper holds its base in an [`Arc`]: the base is freed only
//! after every split BTF built on top of it has been dropped. All borrowed results (`&[u8]`,
//! `&CStr`) borrow `self`, which keeps both the split and its base alive; the wrapper never calls
//! a mutating libbpf function, so the data they point to never moves.
//!
//! # Threads
//!
//! libbpf's `struct btf` has no internal locking, and some "read-only" libbpf queries lazily fill
//! caches inside the object (`btf__raw_data`, `btf__pointer_size`, `btf__resolve_size` and
//! `btf__align_of` through the pointer size). Each base BTF therefore gets a mutex that it shares
//! with every split BTF built on it, and every libbpf call takes it. That makes `LibbpfBtf` `Send`
//! and `Sync`, so a parsed vmlinux can be shared between test threads (e.g. in a
//! `static OnceLock<Arc<LibbpfBtf>>`). Calls on one family are serialized; different families run
//! in parallel.
//!
//! # Errors
//!
//! libbpf 1.x reports failures of pointer-returning functions by returning `NULL` and setting
//! `errno` to a positive error code. Constructors clear `errno` before the call and return
//! `Err(errno)` (the positive value libbpf set, e.g. `libc::EINVAL`) when libbpf returned `NULL`.
//! Integer-returning queries are passed through unchanged (libbpf returns `-errno` in them).
//!
//! # Logging
//!
//! libbpf prints warnings to stderr by default (its `__base_pr`, filtered by `LIBBPF_LOG_LEVEL`).
//! [`quiet`] installs a `NULL` print callback, which libbpf 1.7.0 treats as "print nothing"
//! (`libbpf_print` returns at once when the callback is `NULL`).

use std::ffi::{CStr, CString, c_char, c_void};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError};

use libbpf_sys as sys;

mod co_re;
mod core_loop;
mod distill;
mod ext;
mod relocate;
mod write;
pub use co_re::{CoreOracleRun, core_relocate};
pub use core_loop::{CoreShimOutcome, LibbpfCoreObject};
pub use ext::LibbpfBtfExt;
pub use write::{LibbpfBtfMut, WouldBeUb};

/// Size of the common `struct btf_type` header (`name_off`, `info`, `size`/`type`).
pub const BTF_TYPE_HEADER_LEN: usize = 12;

/// Silences libbpf's logging for the rest of the process. Idempotent and cheap after the first
/// call (guarded by a [`Once`]).
pub fn quiet() {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        // SAFETY: `libbpf_set_print` atomically swaps a global function pointer. `None` (NULL) is
        // an accepted value: libbpf 1.7.0's `libbpf_print` loads the pointer and returns without
        // printing when it is NULL. The previous callback returned here is not needed.
        unsafe {
            sys::libbpf_set_print(None);
        }
    });
}

/// Sets the calling thread's `errno`.
fn set_errno(value: i32) {
    // SAFETY: `__errno_location` returns a valid, properly aligned pointer to the calling thread's
    // `errno`, which lives as long as the thread; writing an `int` to it is always allowed.
    unsafe {
        *libc::__errno_location() = value;
    }
}

/// Reads the calling thread's `errno`.
fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Converts a path to a NUL-terminated C string; an interior NUL byte is reported as `EINVAL`.
fn path_to_cstring(path: &Path) -> Result<CString, i32> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)
}

/// Length in bytes of the kind-specific data that follows the 12-byte header of a type whose
/// `info` word is `info`, following libbpf 1.7.0's `btf_type_size()`.
fn trailing_len(info: u32) -> usize {
    let kind = (info >> 24) & 0x1f;
    let vlen = (info & 0xffff) as usize;
    match kind {
        sys::BTF_KIND_INT => 4,
        sys::BTF_KIND_ARRAY => 12,
        sys::BTF_KIND_STRUCT | sys::BTF_KIND_UNION => 12 * vlen,
        sys::BTF_KIND_ENUM => 8 * vlen,
        sys::BTF_KIND_FUNC_PROTO => 8 * vlen,
        sys::BTF_KIND_VAR => 4,
        sys::BTF_KIND_DATASEC => 12 * vlen,
        sys::BTF_KIND_DECL_TAG => 4,
        sys::BTF_KIND_ENUM64 => 12 * vlen,
        // VOID(0), PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG: no data.
        // (libbpf rejects unknown kinds while loading, so nothing else can reach this point.)
        _ => 0,
    }
}

/// A `struct btf` owned by real libbpf 1.7.0.
///
/// `Send + Sync`: every libbpf call on it happens under a mutex shared by the whole family (a base
/// and every split BTF built on it, transitively), so libbpf's lazily-filled caches are never
/// written concurrently.
pub struct LibbpfBtf {
    ptr: NonNull<sys::btf>,
    /// The base of a split BTF; kept alive for as long as `ptr` refers to it.
    base: Option<Arc<LibbpfBtf>>,
    /// Serializes libbpf calls on this object, its base and its other splits.
    lock: Arc<Mutex<()>>,
}

// SAFETY: a libbpf `struct btf` has no thread affinity (no thread-local state, freeing it from
// another thread is fine), and the `Arc<LibbpfBtf>` base it points to is itself `Send + Sync`.
unsafe impl Send for LibbpfBtf {}
// SAFETY: all libbpf calls through `&LibbpfBtf` take the family mutex (`lock`), so libbpf's
// internal lazy writes (`ptr_sz`, the cached raw data, `raw_size`) are never concurrent. The data
// that borrowed results point into (type and string sections) is never written after loading by
// any function this wrapper calls.
unsafe impl Sync for LibbpfBtf {}

impl fmt::Debug for LibbpfBtf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LibbpfBtf")
            .field("ptr", &self.ptr)
            .field("start_id", &self.start_id())
            .field("type_cnt", &self.type_cnt())
            .field("split", &self.base.is_some())
            .finish()
    }
}

impl Drop for LibbpfBtf {
    fn drop(&mut self) {
        let _guard = self.guard();
        // SAFETY: `ptr` came from a successful libbpf constructor, is owned exclusively by this
        // value and is freed exactly once, here. The base (if any) is still alive: the `base`
        // field is dropped only after this function returns. `btf__free` does not touch a base it
        // does not own.
        unsafe { sys::btf__free(self.ptr.as_ptr()) }
    }
}

impl LibbpfBtf {
    /// Wraps the result of a libbpf constructor: `NULL` becomes `Err(errno)`.
    fn wrap(
        raw: *mut sys::btf,
        base: Option<Arc<LibbpfBtf>>,
        lock: Arc<Mutex<()>>,
    ) -> Result<Self, i32> {
        match NonNull::new(raw) {
            Some(ptr) => Ok(Self { ptr, base, lock }),
            None => Err(errno()),
        }
    }

    /// Takes the family lock (a poisoned lock is still usable: libbpf state is not left half
    /// written by a Rust panic).
    fn guard(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn as_ptr(&self) -> *const sys::btf {
        self.ptr.as_ptr()
    }

    /// `btf__type_cnt` without taking the lock (callers hold it).
    fn type_cnt_locked(&self) -> u32 {
        // SAFETY: `self.ptr` is a live libbpf BTF (and so is its base, if any); the call only
        // reads fields.
        unsafe { sys::btf__type_cnt(self.as_ptr()) }
    }

    /// `btf__type_cnt(btf__base_btf(self))` without taking the lock, `None` without a base.
    fn base_type_cnt_locked(&self) -> Option<u32> {
        // SAFETY: `self.ptr` is live; `btf__base_btf` only reads a field.
        let base = unsafe { sys::btf__base_btf(self.as_ptr()) };
        if base.is_null() {
            return None;
        }
        // SAFETY: a non-NULL base is either `self.base` (kept alive by `self`) or a distilled base
        // owned by this BTF itself (freed only by `btf__free(self)`).
        Some(unsafe { sys::btf__type_cnt(base) })
    }

    /// `btf__new`: parses raw BTF (header + type and string sections) from memory. libbpf copies
    /// the bytes, so `data` need not outlive the result. Data longer than `u32::MAX` bytes gives
    /// `Err(E2BIG)` without calling libbpf.
    pub fn from_bytes(data: &[u8]) -> Result<Self, i32> {
        let size = u32::try_from(data.len()).map_err(|_| libc::E2BIG)?;
        set_errno(0);
        // SAFETY: `data` is valid for reads of `size` bytes for the duration of the call; libbpf
        // copies them into its own buffer before returning.
        let raw = unsafe { sys::btf__new(data.as_ptr().cast::<c_void>(), size) };
        Self::wrap(raw, None, Arc::default())
    }

    /// `btf__new_split`: parses raw split BTF from memory on top of `base`. The result holds a
    /// clone of the `Arc`, so `base` stays alive as long as the split BTF does.
    pub fn from_bytes_split(data: &[u8], base: &Arc<LibbpfBtf>) -> Result<Self, i32> {
        let size = u32::try_from(data.len()).map_err(|_| libc::E2BIG)?;
        let _guard = base.guard();
        set_errno(0);
        // SAFETY: `data` is valid for `size` bytes during the call (libbpf copies it). `base` is
        // a live libbpf BTF, locked against concurrent use; libbpf only reads it here and keeps a
        // pointer to it, which stays valid because the result owns a clone of the `Arc`. libbpf
        // takes a non-const pointer but does not modify the base while building the split BTF.
        let raw =
            unsafe { sys::btf__new_split(data.as_ptr().cast::<c_void>(), size, base.ptr.as_ptr()) };
        Self::wrap(raw, Some(Arc::clone(base)), Arc::clone(&base.lock))
    }

    /// `btf__parse(path, NULL)`: reads raw BTF or the `.BTF` section of an ELF file.
    pub fn parse(path: impl AsRef<Path>) -> Result<Self, i32> {
        let path = path_to_cstring(path.as_ref())?;
        set_errno(0);
        // SAFETY: `path` is a valid NUL-terminated string for the duration of the call; a NULL
        // `btf_ext` out-pointer is documented as "don't load .BTF.ext".
        let raw = unsafe { sys::btf__parse(path.as_ptr(), ptr::null_mut()) };
        Self::wrap(raw, None, Arc::default())
    }

    /// libbpf's `btf_dump__dump_type` for each of `ids` in order, with one dumper (a vmlinux.h
    /// is every id from 1): the text its printf callback received, or the first error with the
    /// text written until then.
    pub fn dump_c(&self, ids: &[u32]) -> Result<Vec<u8>, (i32, Vec<u8>)> {
        unsafe extern "C" {
            fn libbtf_oracle_dump_c(
                btf: *const sys::btf,
                ids: *const u32,
                n: usize,
                out: *mut *mut std::ffi::c_char,
                out_len: *mut usize,
            ) -> std::ffi::c_int;
        }
        let _guard = self.guard();
        let (mut out, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: `self` is a live libbpf BTF, locked against concurrent use; `ids` is valid for
        // `ids.len()` reads; the shim writes a malloc'd buffer (or NULL) and its length.
        let rc = unsafe {
            libbtf_oracle_dump_c(self.as_ptr(), ids.as_ptr(), ids.len(), &mut out, &mut len)
        };
        let text = take_shim_buffer(out, len);
        if rc == 0 { Ok(text) } else { Err((rc, text)) }
    }

    /// libbpf's `btf_dump__emit_type_decl` of each of `ids` with one dumper and the same options
    /// (`field_name`, `indent_level`, `strip_mods`), a newline after each.
    pub fn emit_type_decls(
        &self,
        ids: &[u32],
        field_name: &std::ffi::CStr,
        indent_level: i32,
        strip_mods: bool,
    ) -> Result<Vec<u8>, (i32, Vec<u8>)> {
        unsafe extern "C" {
            fn libbtf_oracle_emit_decls(
                btf: *const sys::btf,
                ids: *const u32,
                n: usize,
                field_name: *const std::ffi::c_char,
                indent_level: std::ffi::c_int,
                strip_mods: std::ffi::c_int,
                out: *mut *mut std::ffi::c_char,
                out_len: *mut usize,
            ) -> std::ffi::c_int;
        }
        let _guard = self.guard();
        let (mut out, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: as in `dump_c`; `field_name` is a valid C string for the call.
        let rc = unsafe {
            libbtf_oracle_emit_decls(
                self.as_ptr(),
                ids.as_ptr(),
                ids.len(),
                field_name.as_ptr(),
                indent_level,
                std::ffi::c_int::from(strip_mods),
                &mut out,
                &mut len,
            )
        };
        let text = take_shim_buffer(out, len);
        if rc == 0 { Ok(text) } else { Err((rc, text)) }
    }

    /// libbpf's `btf_dump__dump_type_data` of each case (type id, byte range of `blob`) with one
    /// dumper and the same options, a newline after each case's text: the text and every return
    /// value. The ranges are passed as pointers into `blob`, so their alignment is the caller's.
    #[allow(clippy::too_many_arguments)]
    pub fn dump_type_data(
        &self,
        cases: &[(u32, std::ops::Range<usize>)],
        blob: &[u8],
        indent_str: Option<&std::ffi::CStr>,
        indent_level: i32,
        compact: bool,
        skip_names: bool,
        emit_zeroes: bool,
        emit_strings: bool,
    ) -> (Vec<u8>, Vec<i32>) {
        unsafe extern "C" {
            fn libbtf_oracle_dump_data(
                btf: *const sys::btf,
                ids: *const u32,
                blob: *const u8,
                offs: *const usize,
                sizes: *const usize,
                n: usize,
                indent_str: *const std::ffi::c_char,
                indent_level: std::ffi::c_int,
                compact: std::ffi::c_int,
                skip_names: std::ffi::c_int,
                emit_zeroes: std::ffi::c_int,
                emit_strings: std::ffi::c_int,
                rcs: *mut std::ffi::c_int,
                out: *mut *mut std::ffi::c_char,
                out_len: *mut usize,
            ) -> std::ffi::c_int;
        }
        let ids: Vec<u32> = cases.iter().map(|c| c.0).collect();
        let offs: Vec<usize> = cases.iter().map(|c| c.1.start).collect();
        let sizes: Vec<usize> = cases.iter().map(|c| c.1.len()).collect();
        assert!(
            cases.iter().all(|c| c.1.end <= blob.len()),
            "cases inside the blob"
        );
        let mut rcs = vec![0i32; cases.len()];
        let _guard = self.guard();
        let (mut out, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: `self` is live and locked; every array holds `cases.len()` elements; each case's
        // range lies inside `blob` (checked above); `indent_str` is NULL or a C string.
        unsafe {
            libbtf_oracle_dump_data(
                self.as_ptr(),
                ids.as_ptr(),
                blob.as_ptr(),
                offs.as_ptr(),
                sizes.as_ptr(),
                cases.len(),
                indent_str.map_or(ptr::null(), |s| s.as_ptr()),
                indent_level,
                std::ffi::c_int::from(compact),
                std::ffi::c_int::from(skip_names),
                std::ffi::c_int::from(emit_zeroes),
                std::ffi::c_int::from(emit_strings),
                rcs.as_mut_ptr(),
                &mut out,
                &mut len,
            )
        };
        (take_shim_buffer(out, len), rcs)
    }

    /// `btf__load_vmlinux_btf()`: the running kernel's BTF, which libbpf 1.7 maps read-only from
    /// `/sys/kernel/btf/vmlinux`.
    pub fn load_vmlinux() -> Result<Self, i32> {
        set_errno(0);
        // SAFETY: no arguments; the result is a new object owned by the wrapper.
        let raw = unsafe { sys::btf__load_vmlinux_btf() };
        Self::wrap(raw, None, Arc::default())
    }

    /// `btf__parse_split(path, base)`: reads raw split BTF or an ELF `.BTF` section on top of
    /// `base` (kept alive through the `Arc`).
    pub fn parse_split(path: impl AsRef<Path>, base: &Arc<LibbpfBtf>) -> Result<Self, i32> {
        let path = path_to_cstring(path.as_ref())?;
        let _guard = base.guard();
        set_errno(0);
        // SAFETY: `path` is a valid C string during the call; `base` is a live, locked libbpf BTF
        // that the result keeps alive through its `Arc` clone (see `from_bytes_split`).
        let raw = unsafe { sys::btf__parse_split(path.as_ptr(), base.ptr.as_ptr()) };
        Self::wrap(raw, Some(Arc::clone(base)), Arc::clone(&base.lock))
    }

    /// `btf__parse_elf(path, NULL)`: reads the `.BTF` section of an ELF file (ignoring
    /// `.BTF.ext`). If the ELF also has a `.BTF.base` (distilled base), libbpf builds the base
    /// itself and the result is split BTF over it (owned internally; [`base`](Self::base) is
    /// `None` but [`start_id`](Self::start_id) is > 1).
    pub fn parse_elf(path: impl AsRef<Path>) -> Result<Self, i32> {
        let path = path_to_cstring(path.as_ref())?;
        set_errno(0);
        // SAFETY: `path` is a valid C string during the call; NULL `btf_ext` is allowed.
        let raw = unsafe { sys::btf__parse_elf(path.as_ptr(), ptr::null_mut()) };
        Self::wrap(raw, None, Arc::default())
    }

    /// The base this split BTF was built on with [`from_bytes_split`](Self::from_bytes_split) or
    /// [`parse_split`](Self::parse_split); `None` otherwise.
    pub fn base(&self) -> Option<&Arc<LibbpfBtf>> {
        self.base.as_ref()
    }

    /// `btf__type_cnt`: one past the highest valid type id (counts void, and for split BTF all
    /// the base's types too).
    pub fn type_cnt(&self) -> u32 {
        let _guard = self.guard();
        self.type_cnt_locked()
    }

    /// First type id that belongs to this BTF: `btf__type_cnt(btf__base_btf(btf))` for split
    /// BTF, else 1.
    pub fn start_id(&self) -> u32 {
        let _guard = self.guard();
        self.base_type_cnt_locked().unwrap_or(1)
    }

    /// `btf__type_cnt` of the base BTF (including void) for a split BTF, `None` when standalone.
    /// Equal to [`start_id`](Self::start_id) for split BTF.
    pub fn base_type_cnt(&self) -> Option<u32> {
        let _guard = self.guard();
        self.base_type_cnt_locked()
    }

    /// The full record of type `id` as libbpf holds it (native endian, even when the input was
    /// the other endianness): the 12-byte `struct btf_type` header followed by its kind-specific
    /// data (INT +4, ARRAY +12, VAR +4, DECL_TAG +4, STRUCT/UNION 12·vlen, ENUM 8·vlen,
    /// ENUM64 12·vlen, FUNC_PROTO 8·vlen, DATASEC 12·vlen, other kinds +0).
    ///
    /// Ids below [`start_id`](Self::start_id) are looked up in the base, as libbpf does. Id 0
    /// gives libbpf's static `void` record (12 zero bytes). `None` when `id >= type_cnt()`.
    pub fn type_record(&self, id: u32) -> Option<&[u8]> {
        let _guard = self.guard();
        if id >= self.type_cnt_locked() {
            return None;
        }
        // SAFETY: `self.ptr` is live and `id` is in range, so libbpf returns a non-NULL pointer
        // into its type data (or its static void type).
        let t = unsafe { sys::btf__type_by_id(self.as_ptr(), id) };
        if t.is_null() {
            return None;
        }
        // SAFETY: `t` points to at least a full `struct btf_type` header (12 bytes; read unaligned
        // to make no assumption about the placement).
        let info = unsafe { ptr::addr_of!((*t).info).read_unaligned() };
        let len = BTF_TYPE_HEADER_LEN + trailing_len(info);
        // SAFETY: libbpf validated at load time that every type record, including its trailing
        // data of exactly this length, lies inside its type section. The memory belongs to this
        // BTF or to its base, both kept alive (and never written) while `self` is borrowed.
        Some(unsafe { std::slice::from_raw_parts(t.cast::<u8>(), len) })
    }

    /// `btf__name_by_offset`: the string at `off` in the (combined base + split) string
    /// section, `None` when libbpf returns NULL (offset out of range).
    pub fn name_by_offset(&self, off: u32) -> Option<&CStr> {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; libbpf bounds-checks `off` and returns NULL when invalid.
        let s: *const c_char = unsafe { sys::btf__name_by_offset(self.as_ptr(), off) };
        if s.is_null() {
            return None;
        }
        // SAFETY: a non-NULL result points into a string section that libbpf validated to end
        // with a NUL byte; it lives, unchanged, as long as this BTF (or its base), i.e. as long as
        // `&self`.
        Some(unsafe { CStr::from_ptr(s) })
    }

    /// `btf__find_by_name`: id of the first type named `name` (any kind), or `-ENOENT`.
    pub fn find_by_name(&self, name: &CStr) -> i32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live and `name` is a valid C string for the call.
        unsafe { sys::btf__find_by_name(self.as_ptr(), name.as_ptr()) }
    }

    /// `btf__find_by_name_kind`: id of the type named `name` of kind `kind` (a `BTF_KIND_*`
    /// value), or `-ENOENT`.
    pub fn find_by_name_kind(&self, name: &CStr, kind: u32) -> i32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live and `name` is a valid C string for the call.
        unsafe { sys::btf__find_by_name_kind(self.as_ptr(), name.as_ptr(), kind) }
    }

    /// `btf__resolve_size`: size in bytes of type `id`, or a negative errno. Safe for any `id`
    /// (libbpf treats an out-of-range id like void and returns `-EINVAL`).
    pub fn resolve_size(&self, id: u32) -> i64 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; libbpf handles an out-of-range id (NULL type) itself.
        unsafe { sys::btf__resolve_size(self.as_ptr(), id) }
    }

    /// `btf__resolve_type`: id after skipping modifiers, typedefs and vars, or a negative errno.
    /// Safe for any `id`.
    pub fn resolve_type(&self, id: u32) -> i32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; libbpf handles an out-of-range id (NULL type) itself.
        unsafe { sys::btf__resolve_type(self.as_ptr(), id) }
    }

    /// `btf__align_of`: `(alignment, errno)`, where `errno` is cleared before the call and read
    /// right after it (libbpf returns 0 and sets `errno = EINVAL` for kinds without alignment).
    ///
    /// libbpf 1.7.0 dereferences the type pointer without a NULL check, so for
    /// `id >= type_cnt()` it would crash: the wrapper returns `(0, EINVAL)` without calling it.
    /// (libbpf also recurses without a depth limit; BTF with a reference cycle, which libbpf
    /// accepts at load, would overflow the stack.)
    pub fn align_of(&self, id: u32) -> (i32, i32) {
        let _guard = self.guard();
        if id >= self.type_cnt_locked() {
            return (0, libc::EINVAL);
        }
        set_errno(0);
        // SAFETY: `self.ptr` is live and `id` is in range, so `btf__type_by_id` inside libbpf
        // returns non-NULL; referenced ids were validated by libbpf at load time.
        let align = unsafe { sys::btf__align_of(self.as_ptr(), id) };
        (align, errno())
    }

    /// `btf__pointer_size`: pointer size in bytes guessed from the `long` types (0 if libbpf
    /// could not tell; ELF files give it from the ELF class).
    pub fn pointer_size(&self) -> usize {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; libbpf only caches its answer inside the object, under our
        // family lock.
        let sz = unsafe { sys::btf__pointer_size(self.as_ptr()) };
        sz as usize
    }

    /// `btf__endianness`: `0` = `BTF_LITTLE_ENDIAN`, `1` = `BTF_BIG_ENDIAN` (of the data as
    /// loaded; [`raw_data`](Self::raw_data) is written in this endianness).
    pub fn endianness(&self) -> u32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; the call only reads a field.
        unsafe { sys::btf__endianness(self.as_ptr()) }
    }

    /// `btf__raw_data`: the BTF as libbpf would write it (header, types, strings; for split BTF
    /// only the split part), copied into a `Vec`.
    ///
    /// # Panics
    /// When libbpf fails to allocate the buffer (`ENOMEM`).
    pub fn raw_data(&self) -> Vec<u8> {
        let _guard = self.guard();
        let mut size: u32 = 0;
        set_errno(0);
        // SAFETY: `self.ptr` is live and `size` is a valid out-pointer. libbpf may cache the
        // serialized buffer inside the object (under our family lock); it does not touch the type
        // or string data that earlier borrows point to.
        let data = unsafe { sys::btf__raw_data(self.as_ptr(), &mut size) };
        if data.is_null() {
            panic!("btf__raw_data failed: errno {}", errno());
        }
        // SAFETY: libbpf returned a non-NULL buffer of `size` bytes owned by the BTF object; it is
        // copied out while the lock is still held.
        unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size as usize) }.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapper_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<LibbpfBtf>();
        check::<Arc<LibbpfBtf>>();
    }

    #[test]
    fn trailing_lengths() {
        let info = |kind: u32, vlen: u32| (kind << 24) | vlen;
        assert_eq!(trailing_len(info(sys::BTF_KIND_INT, 0)), 4);
        assert_eq!(trailing_len(info(sys::BTF_KIND_STRUCT, 3)), 36);
        assert_eq!(trailing_len(info(sys::BTF_KIND_ENUM64, 2)), 24);
        assert_eq!(trailing_len(info(sys::BTF_KIND_PTR, 0)), 0);
        // The kind_flag bit (31) is not part of the kind.
        assert_eq!(trailing_len((1 << 31) | info(sys::BTF_KIND_UNION, 1)), 12);
    }

    /// A tiny hand-made BTF: `int` (id 1) and `int *` (id 2).
    fn tiny_btf() -> Vec<u8> {
        let strings = b"\0int\0";
        let mut types = Vec::new();
        // [1] INT "int" size 4, encoding SIGNED, bits 32
        types.extend_from_slice(&1u32.to_ne_bytes());
        types.extend_from_slice(&(sys::BTF_KIND_INT << 24).to_ne_bytes());
        types.extend_from_slice(&4u32.to_ne_bytes());
        types.extend_from_slice(&((1u32 << 24) | 32).to_ne_bytes());
        // [2] PTR -> [1]
        types.extend_from_slice(&0u32.to_ne_bytes());
        types.extend_from_slice(&(sys::BTF_KIND_PTR << 24).to_ne_bytes());
        types.extend_from_slice(&1u32.to_ne_bytes());
        let mut out = Vec::new();
        out.extend_from_slice(&0xeb9fu16.to_ne_bytes());
        out.push(1); // version
        out.push(0); // flags
        out.extend_from_slice(&24u32.to_ne_bytes()); // hdr_len
        out.extend_from_slice(&0u32.to_ne_bytes()); // type_off
        out.extend_from_slice(&(types.len() as u32).to_ne_bytes());
        out.extend_from_slice(&(types.len() as u32).to_ne_bytes()); // str_off
        out.extend_from_slice(&(strings.len() as u32).to_ne_bytes());
        out.extend_from_slice(&types);
        out.extend_from_slice(strings);
        out
    }

    #[test]
    fn tiny_roundtrip() {
        quiet();
        let raw = tiny_btf();
        let btf = LibbpfBtf::from_bytes(&raw).expect("valid BTF");
        assert_eq!(btf.type_cnt(), 3);
        assert_eq!(btf.start_id(), 1);
        assert_eq!(btf.base_type_cnt(), None);
        assert_eq!(btf.type_record(0), Some(&[0u8; 12][..]));
        assert_eq!(btf.type_record(1).map(<[u8]>::len), Some(16));
        assert_eq!(btf.type_record(2).map(<[u8]>::len), Some(12));
        assert_eq!(btf.type_record(3), None);
        assert_eq!(btf.name_by_offset(1), Some(c"int"));
        assert_eq!(btf.name_by_offset(1000), None);
        assert_eq!(btf.find_by_name(c"int"), 1);
        assert_eq!(btf.find_by_name_kind(c"int", sys::BTF_KIND_INT), 1);
        assert_eq!(btf.find_by_name(c"nope"), -libc::ENOENT);
        assert_eq!(btf.resolve_size(2), 8);
        assert_eq!(btf.resolve_size(1), 4);
        assert_eq!(btf.resolve_size(99), -i64::from(libc::EINVAL));
        assert_eq!(btf.resolve_type(1), 1);
        assert_eq!(btf.align_of(1), (4, 0));
        assert_eq!(btf.align_of(0), (0, libc::EINVAL));
        assert_eq!(btf.align_of(99), (0, libc::EINVAL));
        let native = if cfg!(target_endian = "little") {
            sys::BTF_LITTLE_ENDIAN
        } else {
            sys::BTF_BIG_ENDIAN
        };
        assert_eq!(btf.endianness(), native);
        // No `long` type to guess from: libbpf reports 0.
        assert_eq!(btf.pointer_size(), 0);
        assert_eq!(btf.raw_data(), raw);
    }

    #[test]
    fn errors_are_positive_errno() {
        quiet();
        assert_eq!(LibbpfBtf::from_bytes(&[]).err(), Some(libc::EINVAL));
        assert_eq!(
            LibbpfBtf::parse("/nonexistent/definitely/not/here.btf").err(),
            Some(libc::ENOENT)
        );
    }

    #[test]
    fn split_keeps_base_alive() {
        quiet();
        let base = Arc::new(LibbpfBtf::from_bytes(&tiny_btf()).unwrap());
        // Split BTF with one type: [3] PTR -> [2], no strings of its own beyond the empty one.
        let strings = b"\0";
        let mut types = Vec::new();
        types.extend_from_slice(&0u32.to_ne_bytes());
        types.extend_from_slice(&(sys::BTF_KIND_PTR << 24).to_ne_bytes());
        types.extend_from_slice(&2u32.to_ne_bytes());
        let mut raw = Vec::new();
        raw.extend_from_slice(&0xeb9fu16.to_ne_bytes());
        raw.extend_from_slice(&[1, 0]);
        for v in [
            24u32,
            0,
            types.len() as u32,
            types.len() as u32,
            strings.len() as u32,
        ] {
            raw.extend_from_slice(&v.to_ne_bytes());
        }
        raw.extend_from_slice(&types);
        raw.extend_from_slice(strings);
        let split = LibbpfBtf::from_bytes_split(&raw, &base).expect("valid split BTF");
        drop(base);
        assert_eq!(split.start_id(), 3);
        assert_eq!(split.base_type_cnt(), Some(3));
        assert_eq!(split.type_cnt(), 4);
        assert_eq!(split.find_by_name(c"int"), 1);
        assert_eq!(split.resolve_size(3), 8);
        assert_eq!(split.type_record(1).map(<[u8]>::len), Some(16));
        assert_eq!(split.raw_data(), raw);
    }
}

// -------------------------------------------------------------------------------------------------
// btf__dedup
// -------------------------------------------------------------------------------------------------

pub use dedup_oracle::{DedupOutcome, DedupSource, dedup};

/// `btf__dedup` on a libbpf object made from raw bytes, start to finish inside one call: every
/// libbpf object involved is created, deduplicated, read out and freed there, so no pointer into
/// libbpf memory outlives the call (dedup of a split BTF makes its base modifiable, which moves
/// the base's memory — harmless when nobody else holds the base).
mod dedup_oracle {
    use std::ptr::{self, NonNull};
    use std::time::{Duration, Instant};

    use libbpf_sys as sys;

    use super::{errno, set_errno};

    /// Stack of the thread libbpf dedups on: its type-graph walk recurses once per level of the
    /// graph, deeper than a test thread's default 2 MiB allows on large inputs.
    const DEDUP_STACK: usize = 512 << 20;

    /// How the object handed to `btf__dedup` is made.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum DedupSource {
        /// `btf__new` / `btf__new_split` of the bytes: libbpf dedups the strings too (unless the
        /// string section is empty, or only `""` in a base BTF).
        Parsed,
        /// `btf__new_empty` / `btf__new_empty_split`, then `btf__add_btf` of the parsed bytes:
        /// libbpf treats such an object's strings as unique and leaves them as they are.
        Rebuilt,
    }

    /// What `btf__dedup` did.
    #[derive(Clone, Debug)]
    pub struct DedupOutcome {
        /// Its return value: 0 or a negative errno.
        pub ret: i32,
        /// `btf__raw_data` afterwards (after a failure: whatever libbpf left).
        pub raw: Vec<u8>,
        /// `btf__type_cnt` afterwards.
        pub type_cnt: u32,
        /// Wall time of the `btf__dedup` call alone.
        pub elapsed: Duration,
    }

    /// A `struct btf` this module created and frees.
    struct Owned(NonNull<sys::btf>);

    impl Drop for Owned {
        fn drop(&mut self) {
            // SAFETY: the pointer came from a successful libbpf constructor and is freed once,
            // here. A split object is always dropped before its base (see `run`).
            unsafe { sys::btf__free(self.0.as_ptr()) }
        }
    }

    /// A constructor's result: `NULL` becomes `Err(errno)`.
    fn owned(raw: *mut sys::btf) -> Result<Owned, i32> {
        NonNull::new(raw).map(Owned).ok_or_else(errno)
    }

    /// Parses `data` (split over `base` when given) the way `source` says, runs
    /// `btf__dedup(btf, &{ .force_collisions })` and reads the result out. `Err(errno)` when
    /// libbpf cannot parse the input or (for [`DedupSource::Rebuilt`]) `btf__add_btf` fails.
    ///
    /// Runs on a thread of its own with a large stack. Inputs on which libbpf 1.7.0 does not
    /// terminate make this call hang: check them with btf-core first.
    pub fn dedup(
        base: Option<&[u8]>,
        data: &[u8],
        source: DedupSource,
        force_collisions: bool,
    ) -> Result<DedupOutcome, i32> {
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("libbpf-dedup".into())
                .stack_size(DEDUP_STACK)
                .spawn_scoped(scope, || run(base, data, source, force_collisions))
                .expect("spawn the libbpf dedup thread");
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    fn run(
        base: Option<&[u8]>,
        data: &[u8],
        source: DedupSource,
        force_collisions: bool,
    ) -> Result<DedupOutcome, i32> {
        let len = |d: &[u8]| u32::try_from(d.len()).map_err(|_| libc::E2BIG);
        // Declared first, so dropped last: every split below refers to it.
        let base = match base {
            Some(b) => {
                let size = len(b)?;
                set_errno(0);
                // SAFETY: `b` is readable for `size` bytes during the call; libbpf copies them.
                Some(owned(unsafe { sys::btf__new(b.as_ptr().cast(), size) })?)
            }
            None => None,
        };
        let base_ptr = base.as_ref().map_or(ptr::null_mut(), |b| b.0.as_ptr());
        let size = len(data)?;
        set_errno(0);
        // SAFETY: `data` is readable for `size` bytes (libbpf copies them); `base_ptr` is NULL
        // or the live base above, which outlives the result.
        let parsed = owned(unsafe {
            if base_ptr.is_null() {
                sys::btf__new(data.as_ptr().cast(), size)
            } else {
                sys::btf__new_split(data.as_ptr().cast(), size, base_ptr)
            }
        })?;
        let target = match source {
            DedupSource::Parsed => parsed,
            DedupSource::Rebuilt => {
                set_errno(0);
                // SAFETY: `base_ptr` is NULL or the live base, which outlives the result.
                let fresh = owned(unsafe {
                    if base_ptr.is_null() {
                        sys::btf__new_empty()
                    } else {
                        sys::btf__new_empty_split(base_ptr)
                    }
                })?;
                // SAFETY: both objects are live and distinct, `parsed` is not in `fresh`'s base
                // chain, and both share the base (or have none); libbpf reads `parsed`'s own
                // types and strings, which nothing moves during the call.
                let ret = unsafe { sys::btf__add_btf(fresh.0.as_ptr(), parsed.0.as_ptr()) };
                drop(parsed);
                if ret < 0 {
                    return Err(-ret);
                }
                fresh
            }
        };
        let opts = sys::btf_dedup_opts {
            sz: std::mem::size_of::<sys::btf_dedup_opts>() as sys::size_t,
            force_collisions,
            ..Default::default()
        };
        let started = Instant::now();
        // SAFETY: `target` is live and owned here, `opts` is a valid options struct with a NULL
        // `btf_ext`; nothing else holds pointers into `target` or its base, whose memory the
        // call may move.
        let ret = unsafe { sys::btf__dedup(target.0.as_ptr(), &opts) };
        let elapsed = started.elapsed();
        let mut raw_size = 0u32;
        // SAFETY: `target` is live; `raw_size` is a valid out-pointer.
        let raw = unsafe { sys::btf__raw_data(target.0.as_ptr(), &mut raw_size) };
        let raw = if raw.is_null() {
            Vec::new()
        } else {
            // SAFETY: libbpf returned a buffer of `raw_size` bytes owned by `target`, which is
            // alive and untouched until the copy is done.
            unsafe { std::slice::from_raw_parts(raw.cast::<u8>(), raw_size as usize) }.to_vec()
        };
        // SAFETY: `target` is live; the call reads fields.
        let type_cnt = unsafe { sys::btf__type_cnt(target.0.as_ptr()) };
        drop(target);
        drop(base);
        Ok(DedupOutcome {
            ret,
            raw,
            type_cnt,
            elapsed,
        })
    }
}

/// The text a dump shim call wrote (`len` bytes at `out`, malloc'd, or NULL), freed here.
fn take_shim_buffer(out: *mut std::ffi::c_char, len: usize) -> Vec<u8> {
    unsafe extern "C" {
        fn free(p: *mut c_void);
    }
    if out.is_null() {
        return Vec::new();
    }
    // SAFETY: the shim wrote `len` bytes at `out`; the buffer is freed right after the copy.
    let bytes = unsafe { std::slice::from_raw_parts(out.cast::<u8>(), len) }.to_vec();
    // SAFETY: allocated by the shim with malloc/realloc, and not used after this.
    unsafe { free(out.cast()) };
    bytes
}
