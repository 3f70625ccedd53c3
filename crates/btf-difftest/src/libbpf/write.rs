//! libbpf 1.7.0's write API — `btf__new_empty[_split]`, `btf__add_str`, `btf__find_str`, every
//! `btf__add_*`, `btf__add_type`, `btf__add_btf`, `btf__permute`, the endianness and pointer-size
//! setters — on [`LibbpfBtfMut`], the oracle of the write-side differential tests.
//!
//! # Why a separate type
//!
//! [`LibbpfBtf`](super::LibbpfBtf) hands out borrows of libbpf's memory (`type_record`,
//! `name_by_offset`) and never writes. A write moves that memory: the first one splits libbpf's
//! single buffer into header, types and a string set (freeing the original buffer), and every
//! string lookup appends the looked-up string to the string set's buffer, which may reallocate it.
//! Writes on a *split* BTF do that to its base as well (`btf__add_str` and `btf__find_str` look in
//! the base first, through `btf__find_str(base)`). So a `LibbpfBtfMut` never lends out pointers
//! into libbpf memory — every query copies — and its bases are `LibbpfBtfMut`s too. With nothing
//! borrowed, writes through `&mut self` (and the string lookup through `&self`) are sound under the
//! family lock, the same lock scheme as `LibbpfBtf`: a base shares one mutex with every split BTF
//! built on it, and every libbpf call takes it (two calls that involve two families, `add_type` and
//! `add_btf`, take both, in address order).
//!
//! # Calls libbpf 1.7.0 cannot make safely
//!
//! Some argument combinations make libbpf itself use freed memory or write out of bounds. The
//! wrapper does not make those calls; it returns [`WouldBeUb`] instead, without touching libbpf:
//!
//! * `btf__add_type` whose source record has a (non-zero) string offset held by a BTF in the
//!   destination's base chain — e.g. a named type of the destination's own base. libbpf passes a
//!   pointer to the source string into `btf__add_str(dst)`, which first makes that base BTF
//!   modifiable (freeing the buffer the pointer points into) or appends to its string buffer
//!   (possibly reallocating it) before reading the string.
//! * `btf__add_btf` whose source is in the destination's base chain (same reason), or whose source
//!   has a member list longer than 65,535 ([`vlen_spilled`](LibbpfBtfMut::vlen_spilled): libbpf walks
//!   the source by the 16-bit `vlen`, desynchronises and reads garbage as string offsets).
//! * `btf__add_type` with an id `>= btf__type_cnt(src)` (libbpf would dereference `NULL`).
//! * `btf__permute` of a base (non-split) BTF with an empty map (libbpf reads `id_map[0]`).
//! * Any call that appends type data after a successful `btf__permute` left libbpf's
//!   `types_data_cap` larger than the buffer it allocated: `btf__permute` replaces the type buffer
//!   with one of exactly `type_len` bytes but keeps the old capacity, so the next append that fits
//!   the old capacity writes past the new buffer. The wrapper models libbpf's buffer (length,
//!   capacity as `libbpf_add_mem` grows it, and allocation size) to tell exactly when that would
//!   happen; until an append needs more than the stale capacity (libbpf then reallocates), such
//!   calls are refused, even ones libbpf would reject for their arguments before appending.
//!
//! Allocation failures inside libbpf (`-ENOMEM` after its buffer grew) are assumed not to happen;
//! the buffer model would be off afterwards.

use std::ffi::{CStr, CString, c_char, c_int};
use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use libbpf_sys as sys;

use super::{BTF_TYPE_HEADER_LEN, errno, set_errno, trailing_len};

/// A call [`LibbpfBtfMut`] declined to make because libbpf 1.7.0 would have undefined behaviour
/// on it (see the [module documentation](self)); the text says which rule applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WouldBeUb(pub &'static str);

impl fmt::Display for WouldBeUb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A model of libbpf's own type buffer (`types_data`, `types_data_cap`, `hdr->type_len`), in
/// bytes: `len` used, `cap` what libbpf believes it has, `alloc` what it really allocated.
#[derive(Clone, Copy, Debug)]
struct TypeBuf {
    len: u64,
    cap: u64,
    alloc: u64,
}

impl TypeBuf {
    /// The state right after `btf_ensure_modifiable` (which sets the capacity to `type_len`); the
    /// model needs no separate "not yet modifiable" state, since every append goes through it.
    fn new(len: u64) -> Self {
        Self {
            len,
            cap: len,
            alloc: len,
        }
    }

    /// Would appending `add` bytes write past the allocation (`libbpf_add_mem` returns the old
    /// buffer whenever the new length fits `cap`)?
    fn check(&self, add: u64) -> Result<(), WouldBeUb> {
        let need = self.len + add;
        if need <= self.cap && need > self.alloc {
            return Err(WouldBeUb(
                "append after btf__permute: libbpf's type buffer capacity is stale, it would write \
                 past the buffer btf__permute allocated",
            ));
        }
        Ok(())
    }

    /// Records a successful append of `add` bytes, growing as `libbpf_add_mem` does: by 25 %, at
    /// least to 16, at least to what is needed.
    fn commit(&mut self, add: u64) {
        let need = self.len + add;
        if need > self.cap {
            let new_cap = (self.cap + self.cap / 4).max(16).max(need);
            self.cap = new_cap;
            self.alloc = new_cap;
        }
        self.len = need;
    }

    /// Records a successful `btf__permute`: a new buffer of exactly `len` bytes, capacity kept.
    fn permuted(&mut self) {
        self.alloc = self.len;
    }
}

/// Bytes libbpf appends for the fixed-size `btf__add_*` calls.
const REF_KIND_SZ: u64 = 12;
const INT_SZ: u64 = 16;
const ARRAY_SZ: u64 = 24;
const VAR_SZ: u64 = 16;
const DECL_TAG_SZ: u64 = 16;
const MEMBER_SZ: u64 = 12;
const ENUM_VALUE_SZ: u64 = 8;
const ENUM64_VALUE_SZ: u64 = 12;
const PARAM_SZ: u64 = 8;
const VAR_SECINFO_SZ: u64 = 12;

/// Highest kind libbpf 1.7.0 knows (`BTF_KIND_ENUM64`).
const MAX_KNOWN_KIND: u32 = sys::BTF_KIND_ENUM64;

/// Word positions of the string offsets in a record with this `info` word, as libbpf's
/// `BTF_FIELD_ITER_STRS` visits them (only called for kinds 1..=19).
fn string_positions(info: u32) -> impl Iterator<Item = usize> {
    let kind = (info >> 24) & 0x1f;
    let vlen = (info & 0xffff) as usize;
    let stride = match kind {
        sys::BTF_KIND_ENUM | sys::BTF_KIND_FUNC_PROTO => 2,
        sys::BTF_KIND_ENUM64 | sys::BTF_KIND_STRUCT | sys::BTF_KIND_UNION => 3,
        _ => 0,
    };
    let elems = if stride == 0 { 0 } else { vlen };
    std::iter::once(0).chain((0..elems).map(move |i| 3 + i * stride))
}

/// Reads the `info` word of the record at `t`.
///
/// # Safety
/// `t` must point to a readable `struct btf_type` header.
unsafe fn info_of(t: *const sys::btf_type) -> u32 {
    // SAFETY: guaranteed by the caller; read unaligned to make no assumption about placement.
    unsafe { ptr::addr_of!((*t).info).read_unaligned() }
}

fn name_ptr(name: Option<&CStr>) -> *const c_char {
    name.map_or(ptr::null(), CStr::as_ptr)
}

/// `type_len` of raw BTF that libbpf accepted (so the 24-byte header is there), in either byte
/// order.
fn header_type_len(data: &[u8]) -> u64 {
    let magic = u16::from_ne_bytes([data[0], data[1]]);
    let raw = u32::from_ne_bytes([data[12], data[13], data[14], data[15]]);
    u64::from(if magic == 0xeb9f {
        raw
    } else {
        raw.swap_bytes()
    })
}

/// Locks two family mutexes (once if they are the same), in address order.
fn lock_pair<'a>(
    a: &'a Mutex<()>,
    b: &'a Mutex<()>,
) -> (MutexGuard<'a, ()>, Option<MutexGuard<'a, ()>>) {
    let lock = |m: &'a Mutex<()>| m.lock().unwrap_or_else(PoisonError::into_inner);
    if ptr::eq(a, b) {
        return (lock(a), None);
    }
    let (first, second) = if ptr::from_ref(a) < ptr::from_ref(b) {
        (a, b)
    } else {
        (b, a)
    };
    let g1 = lock(first);
    (g1, Some(lock(second)))
}

/// A `struct btf` owned by real libbpf 1.7.0 that may be written (see the
/// [module documentation](self)). Split BTF holds its base in an [`Arc`].
pub struct LibbpfBtfMut {
    ptr: NonNull<sys::btf>,
    base: Option<Arc<LibbpfBtfMut>>,
    /// Shared by a base and every split BTF built on it, transitively.
    lock: Arc<Mutex<()>>,
    start_id: u32,
    types: TypeBuf,
    vlen_spilled: bool,
}

// SAFETY: a libbpf `struct btf` has no thread affinity, and the base it points to is an
// `Arc<LibbpfBtfMut>`, itself `Send + Sync`.
unsafe impl Send for LibbpfBtfMut {}
// SAFETY: every libbpf call through `&LibbpfBtfMut` (including `btf__find_str`, which writes
// libbpf's internal state, and calls on a split BTF that reach its base) takes the family mutex,
// and no pointer into libbpf memory is ever handed out, so nothing observes memory libbpf moves.
unsafe impl Sync for LibbpfBtfMut {}

impl fmt::Debug for LibbpfBtfMut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LibbpfBtfMut")
            .field("ptr", &self.ptr)
            .field("start_id", &self.start_id)
            .field("type_cnt", &self.type_cnt())
            .field("split", &self.base.is_some())
            .field("vlen_spilled", &self.vlen_spilled)
            .finish()
    }
}

impl Drop for LibbpfBtfMut {
    fn drop(&mut self) {
        let _guard = self.guard();
        // SAFETY: `ptr` came from a successful libbpf constructor, is owned by this value and freed
        // once, here; the base (if any) outlives this call (the `base` field drops afterwards) and
        // `btf__free` does not touch a base it does not own.
        unsafe { sys::btf__free(self.ptr.as_ptr()) }
    }
}

impl LibbpfBtfMut {
    fn guard(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wraps a constructor result (`NULL` becomes `Err(errno)`).
    fn wrap(
        raw: *mut sys::btf,
        base: Option<Arc<LibbpfBtfMut>>,
        lock: Arc<Mutex<()>>,
        type_len: u64,
    ) -> Result<Self, i32> {
        let ptr = NonNull::new(raw).ok_or_else(errno)?;
        let start_id = base.as_ref().map_or(1, |b| b.type_cnt());
        Ok(Self {
            ptr,
            base,
            lock,
            start_id,
            types: TypeBuf::new(type_len),
            vlen_spilled: false,
        })
    }

    /// `btf__new_empty`: 24-byte header and the empty string, native byte order, pointer size 8.
    pub fn new_empty() -> Result<Self, i32> {
        set_errno(0);
        // SAFETY: no arguments; the result is a new object owned by the wrapper.
        let raw = unsafe { sys::btf__new_empty() };
        Self::wrap(raw, None, Arc::default(), 0)
    }

    /// `btf__new_empty_split(base)`: no types, no strings, the base's byte order.
    pub fn new_empty_split(base: &Arc<LibbpfBtfMut>) -> Result<Self, i32> {
        let raw = {
            let _guard = base.guard();
            set_errno(0);
            // SAFETY: `base` is live and locked; libbpf reads a few of its fields and keeps a
            // pointer to it, which stays valid because the result owns a clone of the `Arc`.
            unsafe { sys::btf__new_empty_split(base.ptr.as_ptr()) }
        };
        Self::wrap(raw, Some(Arc::clone(base)), Arc::clone(&base.lock), 0)
    }

    /// `btf__new`: parses raw BTF (libbpf copies `data`). Longer than `u32::MAX` gives `E2BIG`.
    pub fn from_bytes(data: &[u8]) -> Result<Self, i32> {
        let size = u32::try_from(data.len()).map_err(|_| libc::E2BIG)?;
        set_errno(0);
        // SAFETY: `data` is readable for `size` bytes during the call; libbpf copies them.
        let raw = unsafe { sys::btf__new(data.as_ptr().cast(), size) };
        let raw = NonNull::new(raw).ok_or_else(errno)?;
        Self::wrap(raw.as_ptr(), None, Arc::default(), header_type_len(data))
    }

    /// `btf__new_split`: parses raw split BTF over `base` (kept alive through the `Arc`).
    pub fn from_bytes_split(data: &[u8], base: &Arc<LibbpfBtfMut>) -> Result<Self, i32> {
        let size = u32::try_from(data.len()).map_err(|_| libc::E2BIG)?;
        let raw = {
            let _guard = base.guard();
            set_errno(0);
            // SAFETY: `data` is readable for `size` bytes (libbpf copies it); `base` is live and
            // locked, only read here, and kept alive by the result's `Arc` clone.
            unsafe { sys::btf__new_split(data.as_ptr().cast(), size, base.ptr.as_ptr()) }
        };
        let raw = NonNull::new(raw).ok_or_else(errno)?;
        Self::wrap(
            raw.as_ptr(),
            Some(Arc::clone(base)),
            Arc::clone(&base.lock),
            header_type_len(data),
        )
    }

    /// The base of a split BTF.
    pub fn base(&self) -> Option<&Arc<LibbpfBtfMut>> {
        self.base.as_ref()
    }

    /// This object, then its base, its base's base, ...
    fn chain(&self) -> impl Iterator<Item = &LibbpfBtfMut> {
        std::iter::successors(Some(self), |b| b.base.as_deref())
    }

    /// Is `other` this very object?
    fn is(&self, other: &LibbpfBtfMut) -> bool {
        self.ptr == other.ptr
    }

    /// First id of the own types: 1, or the base's type count.
    pub fn start_id(&self) -> u32 {
        self.start_id
    }

    /// `btf__type_cnt`.
    pub fn type_cnt(&self) -> u32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; the call only reads fields.
        unsafe { sys::btf__type_cnt(self.ptr.as_ptr()) }
    }

    /// Number of own types.
    pub fn nr_types(&self) -> u32 {
        self.type_cnt() - self.start_id
    }

    /// Whether a member-adding call pushed some type past 65,535 members, which libbpf records
    /// by letting the count spill out of the 16-bit `vlen` (see [`WouldBeUb`] for `add_btf`).
    pub fn vlen_spilled(&self) -> bool {
        self.vlen_spilled
    }

    /// Bytes of capacity libbpf's type buffer has beyond its data, by the wrapper's model of it.
    /// A successful [`permute`](Self::permute) while this is non-zero leaves libbpf with a stale
    /// capacity: appends that fit it are then refused (see [`WouldBeUb`]) until one does not.
    pub fn type_capacity_slack(&self) -> u64 {
        self.types.cap - self.types.len
    }

    /// A copy of type `id`'s record as libbpf sizes it (header plus the kind-specific data for
    /// the 16-bit `vlen`), base ids served from the base; `None` when `id >= type_cnt()`.
    pub fn type_record(&self, id: u32) -> Option<Vec<u8>> {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; libbpf returns NULL for ids out of range.
        let t = unsafe { sys::btf__type_by_id(self.ptr.as_ptr(), id) };
        if t.is_null() {
            return None;
        }
        // SAFETY: a non-NULL result points to a full record header.
        let info = unsafe { info_of(t) };
        let len = BTF_TYPE_HEADER_LEN + trailing_len(info);
        // SAFETY: libbpf's records (validated at load, or written by its own `btf__add_*`) hold at
        // least the data their 16-bit vlen implies; the bytes are copied out under the lock.
        Some(unsafe { std::slice::from_raw_parts(t.cast::<u8>(), len) }.to_vec())
    }

    /// `btf__str_by_offset`, copied; `None` when out of range.
    pub fn str_by_offset(&self, off: u32) -> Option<CString> {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; libbpf bounds-checks `off`.
        let s = unsafe { sys::btf__str_by_offset(self.ptr.as_ptr(), off) };
        if s.is_null() {
            return None;
        }
        // SAFETY: a non-NULL result points into a NUL-terminated string section; it is copied
        // out while the lock is held.
        Some(unsafe { CStr::from_ptr(s) }.to_owned())
    }

    /// `btf__endianness`: 0 little, 1 big.
    pub fn endianness(&self) -> u32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; the call only reads a field.
        unsafe { sys::btf__endianness(self.ptr.as_ptr()) }
    }

    /// `btf__pointer_size` (0 when libbpf cannot tell). Caches libbpf's guess inside the object.
    pub fn pointer_size(&self) -> usize {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live; libbpf caches its guess in the object, under the lock.
        unsafe { sys::btf__pointer_size(self.ptr.as_ptr()) as usize }
    }

    /// `btf__raw_data`, copied out.
    ///
    /// # Panics
    /// When libbpf fails (`ENOMEM`, or a record of a kind it cannot byte-swap).
    pub fn raw_data(&self) -> Vec<u8> {
        let _guard = self.guard();
        let mut size: u32 = 0;
        set_errno(0);
        // SAFETY: `self.ptr` is live and `size` a valid out-pointer; libbpf caches the buffer in
        // the object, under the lock.
        let data = unsafe { sys::btf__raw_data(self.ptr.as_ptr(), &mut size) };
        assert!(!data.is_null(), "btf__raw_data failed: errno {}", errno());
        // SAFETY: libbpf returned `size` readable bytes owned by the object; copied under the lock.
        unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size as usize) }.to_vec()
    }

    /// `btf__find_str`: logical offset of `s` (base chain first) or `-ENOENT`. Makes this object
    /// and its bases modifiable inside libbpf, which is why the wrapper lends out no pointers.
    pub fn find_str(&self, s: &CStr) -> i32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is live and the whole family is locked; libbpf moves string memory
        // of this object and its bases, none of which is borrowed anywhere (no method of this type
        // hands out pointers). `s` is a valid C string, not inside libbpf memory.
        unsafe { sys::btf__find_str(self.ptr.as_ptr(), s.as_ptr()) }
    }

    /// `btf__add_str`: logical offset of `s`, appended if new, or a negative errno.
    pub fn add_str(&mut self, s: &CStr) -> i32 {
        let _guard = self.guard();
        // SAFETY: as in `find_str`; `self` is exclusively borrowed.
        unsafe { sys::btf__add_str(self.ptr.as_ptr(), s.as_ptr()) }
    }

    /// Runs a libbpf call that may append `bytes` of type data, keeping the buffer model and the
    /// spill flag; `member` calls extend the last type. The closure gets `self.ptr`, exclusively
    /// borrowed, with the family locked.
    fn append(
        &mut self,
        bytes: u64,
        member: bool,
        call: impl FnOnce(*mut sys::btf) -> c_int,
    ) -> Result<i32, WouldBeUb> {
        self.types.check(bytes)?;
        let (ret, spills) = {
            let _guard = self.guard();
            let spills = member && self.last_vlen_locked() == Some(0xffff);
            (call(self.ptr.as_ptr()), spills)
        };
        if ret >= 0 {
            self.types.commit(bytes);
            self.vlen_spilled |= spills;
        }
        Ok(ret)
    }

    /// The 16-bit vlen of the last own type (`None` without own types); the lock must be held.
    fn last_vlen_locked(&self) -> Option<u32> {
        // SAFETY: `self.ptr` is live; the call only reads fields.
        let cnt = unsafe { sys::btf__type_cnt(self.ptr.as_ptr()) };
        if cnt <= self.start_id {
            return None;
        }
        // SAFETY: `cnt - 1` is an own id in range, so the result is a valid record pointer.
        let t = unsafe { sys::btf__type_by_id(self.ptr.as_ptr(), cnt - 1) };
        // SAFETY: non-NULL for an id in range (checked above).
        Some(unsafe { info_of(t) } & 0xffff)
    }

    /// `btf__add_int`.
    pub fn add_int(
        &mut self,
        name: Option<&CStr>,
        byte_sz: usize,
        encoding: i32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY (all `btf__add_*` closures below): `p` is this live object, exclusively borrowed,
        // with its family locked (`append`); names are NULL or valid C strings outside libbpf
        // memory, which libbpf accepts (NULL counts as the empty name).
        self.append(INT_SZ, false, |p| unsafe {
            sys::btf__add_int(p, name_ptr(name), byte_sz as sys::size_t, encoding)
        })
    }

    /// `btf__add_float`.
    pub fn add_float(&mut self, name: Option<&CStr>, byte_sz: usize) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_float(p, name_ptr(name), byte_sz as sys::size_t)
        })
    }

    /// `btf__add_ptr`.
    pub fn add_ptr(&mut self, ref_type_id: i32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_ptr(p, ref_type_id)
        })
    }

    /// `btf__add_volatile`.
    pub fn add_volatile(&mut self, ref_type_id: i32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_volatile(p, ref_type_id)
        })
    }

    /// `btf__add_const`.
    pub fn add_const(&mut self, ref_type_id: i32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_const(p, ref_type_id)
        })
    }

    /// `btf__add_restrict`.
    pub fn add_restrict(&mut self, ref_type_id: i32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_restrict(p, ref_type_id)
        })
    }

    /// `btf__add_typedef`.
    pub fn add_typedef(&mut self, name: Option<&CStr>, ref_type_id: i32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_typedef(p, name_ptr(name), ref_type_id)
        })
    }

    /// `btf__add_type_tag`.
    pub fn add_type_tag(
        &mut self,
        value: Option<&CStr>,
        ref_type_id: i32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_type_tag(p, name_ptr(value), ref_type_id)
        })
    }

    /// `btf__add_type_attr`.
    pub fn add_type_attr(
        &mut self,
        value: Option<&CStr>,
        ref_type_id: i32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_type_attr(p, name_ptr(value), ref_type_id)
        })
    }

    /// `btf__add_array`.
    pub fn add_array(
        &mut self,
        index_type_id: i32,
        elem_type_id: i32,
        nr_elems: u32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(ARRAY_SZ, false, |p| unsafe {
            sys::btf__add_array(p, index_type_id, elem_type_id, nr_elems)
        })
    }

    /// `btf__add_struct`.
    pub fn add_struct(&mut self, name: Option<&CStr>, byte_sz: u32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_struct(p, name_ptr(name), byte_sz)
        })
    }

    /// `btf__add_union`.
    pub fn add_union(&mut self, name: Option<&CStr>, byte_sz: u32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_union(p, name_ptr(name), byte_sz)
        })
    }

    /// `btf__add_field`.
    pub fn add_field(
        &mut self,
        name: Option<&CStr>,
        type_id: i32,
        bit_offset: u32,
        bit_size: u32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(MEMBER_SZ, true, |p| unsafe {
            sys::btf__add_field(p, name_ptr(name), type_id, bit_offset, bit_size)
        })
    }

    /// `btf__add_enum`.
    pub fn add_enum(&mut self, name: Option<&CStr>, byte_sz: u32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_enum(p, name_ptr(name), byte_sz)
        })
    }

    /// `btf__add_enum_value`.
    pub fn add_enum_value(&mut self, name: Option<&CStr>, value: i64) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(ENUM_VALUE_SZ, true, |p| unsafe {
            sys::btf__add_enum_value(p, name_ptr(name), value)
        })
    }

    /// `btf__add_enum64`.
    pub fn add_enum64(
        &mut self,
        name: Option<&CStr>,
        byte_sz: u32,
        is_signed: bool,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_enum64(p, name_ptr(name), byte_sz, is_signed)
        })
    }

    /// `btf__add_enum64_value`.
    pub fn add_enum64_value(&mut self, name: Option<&CStr>, value: u64) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(ENUM64_VALUE_SZ, true, |p| unsafe {
            sys::btf__add_enum64_value(p, name_ptr(name), value)
        })
    }

    /// `btf__add_fwd` (`fwd_kind`: 0 struct, 1 union, 2 enum; anything else is `-EINVAL`).
    pub fn add_fwd(&mut self, name: Option<&CStr>, fwd_kind: u32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`. An out-of-range `fwd_kind` is a valid `unsigned int` enum value
        // that libbpf's switch rejects.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_fwd(p, name_ptr(name), fwd_kind)
        })
    }

    /// `btf__add_func` (`linkage`: 0 static, 1 global, 2 extern).
    pub fn add_func(
        &mut self,
        name: Option<&CStr>,
        linkage: u32,
        proto_type_id: i32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int` and `add_fwd`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_func(p, name_ptr(name), linkage, proto_type_id)
        })
    }

    /// `btf__add_func_proto`.
    pub fn add_func_proto(&mut self, ret_type_id: i32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_func_proto(p, ret_type_id)
        })
    }

    /// `btf__add_func_param`.
    pub fn add_func_param(&mut self, name: Option<&CStr>, type_id: i32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(PARAM_SZ, true, |p| unsafe {
            sys::btf__add_func_param(p, name_ptr(name), type_id)
        })
    }

    /// `btf__add_var` (`linkage`: 0 static, 1 global allocated, 2 global extern).
    pub fn add_var(
        &mut self,
        name: Option<&CStr>,
        linkage: i32,
        type_id: i32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(VAR_SZ, false, |p| unsafe {
            sys::btf__add_var(p, name_ptr(name), linkage, type_id)
        })
    }

    /// `btf__add_datasec`.
    pub fn add_datasec(&mut self, name: Option<&CStr>, byte_sz: u32) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(REF_KIND_SZ, false, |p| unsafe {
            sys::btf__add_datasec(p, name_ptr(name), byte_sz)
        })
    }

    /// `btf__add_datasec_var_info`.
    pub fn add_datasec_var_info(
        &mut self,
        var_type_id: i32,
        offset: u32,
        byte_sz: u32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(VAR_SECINFO_SZ, true, |p| unsafe {
            sys::btf__add_datasec_var_info(p, var_type_id, offset, byte_sz)
        })
    }

    /// `btf__add_decl_tag`.
    pub fn add_decl_tag(
        &mut self,
        value: Option<&CStr>,
        ref_type_id: i32,
        component_idx: i32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(DECL_TAG_SZ, false, |p| unsafe {
            sys::btf__add_decl_tag(p, name_ptr(value), ref_type_id, component_idx)
        })
    }

    /// `btf__add_decl_attr`.
    pub fn add_decl_attr(
        &mut self,
        value: Option<&CStr>,
        ref_type_id: i32,
        component_idx: i32,
    ) -> Result<i32, WouldBeUb> {
        // SAFETY: see `add_int`.
        self.append(DECL_TAG_SZ, false, |p| unsafe {
            sys::btf__add_decl_attr(p, name_ptr(value), ref_type_id, component_idx)
        })
    }

    /// The BTF closest to `self` in its base chain (`self` excluded) that is also in `src`'s chain
    /// (`src` included): the part of the string space that both share.
    fn shared_base<'a>(&'a self, src: &'a LibbpfBtfMut) -> Option<&'a LibbpfBtfMut> {
        self.chain().skip(1).find(|b| src.chain().any(|s| s.is(b)))
    }

    /// `btf__add_type(self, src, btf__type_by_id(src, id))`: copies type `id` of `src` (ids below
    /// `src`'s start come from its base), re-interning its strings here; type ids are not
    /// remapped. See [`WouldBeUb`] for the calls refused.
    pub fn add_type(&mut self, src: &LibbpfBtfMut, id: u32) -> Result<i32, WouldBeUb> {
        let shared = self.shared_base(src).map(|b| b.ptr);
        let lock = Arc::clone(&self.lock);
        let (_g1, _g2) = lock_pair(&lock, &src.lock);
        // SAFETY: `src.ptr` is live and locked; the call only reads fields.
        if id >= unsafe { sys::btf__type_cnt(src.ptr.as_ptr()) } {
            return Err(WouldBeUb(
                "add_type: id out of range, libbpf would dereference NULL",
            ));
        }
        // SAFETY: `id` is in range, so the result is a valid record of `src` or its base chain.
        let t = unsafe { sys::btf__type_by_id(src.ptr.as_ptr(), id) };
        // SAFETY: `t` is a valid record header.
        let info = unsafe { info_of(t) };
        let kind = (info >> 24) & 0x1f;
        // Kinds libbpf does not know fail in `btf_type_size` before anything else happens.
        let bytes = if (1..=MAX_KNOWN_KIND).contains(&kind) {
            if let Some(shared) = shared {
                for pos in string_positions(info) {
                    // SAFETY: the record holds the words its 16-bit vlen implies (validated at
                    // load or written by libbpf itself), and `pos` is within them.
                    let off = unsafe { t.cast::<u32>().add(pos).read_unaligned() };
                    // SAFETY: `shared` is a live member of both locked families.
                    let in_shared = off != 0
                        && !unsafe { sys::btf__str_by_offset(shared.as_ptr(), off) }.is_null();
                    if in_shared {
                        return Err(WouldBeUb(
                            "add_type: a string of the source record lives in the destination's \
                             base chain, libbpf would read it after moving that memory",
                        ));
                    }
                }
            }
            let bytes = (BTF_TYPE_HEADER_LEN + trailing_len(info)) as u64;
            self.types.check(bytes)?;
            bytes
        } else {
            0
        };
        // SAFETY: `self.ptr` is exclusively borrowed and `src.ptr` is another live object (it
        // cannot be `self`); both families are locked. `t` points into `src`'s chain, which this
        // call does not modify (only `self` and its base chain are written), and every string
        // offset it holds is valid in `src` and not in memory the call moves (checked above).
        let ret = unsafe { sys::btf__add_type(self.ptr.as_ptr(), src.ptr.as_ptr(), t) };
        if ret >= 0 {
            self.types.commit(bytes);
        }
        Ok(ret)
    }

    /// `btf__add_btf(self, src)`: appends every own type of `src`, remapping its type ids and
    /// re-interning its own strings; id of the first added type or a negative errno (`-EOPNOTSUPP`
    /// for a split `src` over a different base). See [`WouldBeUb`] for the calls refused.
    pub fn add_btf(&mut self, src: &LibbpfBtfMut) -> Result<i32, WouldBeUb> {
        let same_base = match (&src.base, &self.base) {
            (None, _) => true,
            (Some(a), Some(b)) => a.is(b),
            (Some(_), None) => false,
        };
        let bytes = src.types.len;
        if same_base {
            if self.chain().skip(1).any(|b| b.is(src)) {
                return Err(WouldBeUb(
                    "add_btf: the source is in the destination's base chain, libbpf would read \
                     its strings after moving that memory",
                ));
            }
            if src.vlen_spilled {
                return Err(WouldBeUb(
                    "add_btf: the source has a vlen spill, libbpf would walk it out of step",
                ));
            }
            self.types.check(bytes)?;
        }
        let ret = {
            let lock = Arc::clone(&self.lock);
            let _guards = lock_pair(&lock, &src.lock);
            // SAFETY: `self.ptr` is exclusively borrowed, `src.ptr` is another live object; both
            // families are locked. libbpf reads `src` (own strings only, which live in `src`, not
            // in `self`'s chain as checked above) and writes `self` and its base chain.
            unsafe { sys::btf__add_btf(self.ptr.as_ptr(), src.ptr.as_ptr()) }
        };
        if ret >= 0 {
            self.types.commit(bytes);
        }
        Ok(ret)
    }

    /// `btf__permute(self, id_map, len, NULL)`: for base BTF `id_map[old] = new` with
    /// `id_map[0] == 0`, for split BTF `id_map[old - start_id] = new`; 0 or `-EINVAL`.
    /// libbpf does not write `id_map` (its parameter is merely non-const).
    pub fn permute(&mut self, id_map: &mut [u32]) -> Result<i32, WouldBeUb> {
        if self.base.is_none() && id_map.is_empty() {
            return Err(WouldBeUb(
                "permute: libbpf reads id_map[0] of a base BTF before checking the count",
            ));
        }
        let cnt = u32::try_from(id_map.len())
            .map_err(|_| WouldBeUb("permute: id_map longer than u32::MAX"))?;
        let ret = {
            let _guard = self.guard();
            // SAFETY: `self.ptr` is exclusively borrowed and locked; `id_map` is valid for `cnt`
            // elements (libbpf reads at most `cnt` of them, and none when the count does not
            // match, except `id_map[0]` of a base BTF, which exists here); NULL opts are allowed.
            unsafe { sys::btf__permute(self.ptr.as_ptr(), id_map.as_mut_ptr(), cnt, ptr::null()) }
        };
        if ret == 0 {
            self.types.permuted();
        }
        Ok(ret)
    }

    /// `btf__set_endianness` (0 little, 1 big; else `-EINVAL`).
    pub fn set_endianness(&mut self, endian: u32) -> i32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is exclusively borrowed and locked; libbpf validates `endian` and may
        // free its cached swapped raw data, which is never lent out.
        unsafe { sys::btf__set_endianness(self.ptr.as_ptr(), endian) }
    }

    /// `btf__set_pointer_size` (4 or 8; else `-EINVAL`).
    pub fn set_pointer_size(&mut self, ptr_sz: usize) -> i32 {
        let _guard = self.guard();
        // SAFETY: `self.ptr` is exclusively borrowed and locked; the call sets one field.
        unsafe { sys::btf__set_pointer_size(self.ptr.as_ptr(), ptr_sz as sys::size_t) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libbpf::quiet;

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<LibbpfBtfMut>();
    }

    #[test]
    fn type_buffer_model() {
        let mut b = TypeBuf::new(0);
        b.commit(16); // cap 0 -> 16
        assert_eq!((b.len, b.cap, b.alloc), (16, 16, 16));
        b.commit(12); // 20 < 28 -> 28
        assert_eq!((b.len, b.cap), (28, 28));
        b.commit(0);
        assert_eq!((b.len, b.cap), (28, 28));
        let mut b = TypeBuf::new(100);
        b.commit(12); // 125
        assert_eq!((b.len, b.cap), (112, 125));
        b.permuted();
        assert!(b.check(12).is_err()); // 124 <= 125 but > 112
        assert!(b.check(13).is_err());
        assert!(b.check(14).is_ok()); // 126 > 125: realloc
        b.commit(14);
        assert_eq!((b.len, b.cap, b.alloc), (126, 156, 156));
    }

    #[test]
    fn write_smoke() {
        quiet();
        let mut btf = LibbpfBtfMut::new_empty().unwrap();
        assert_eq!(btf.add_int(Some(c"int"), 4, 1), Ok(1));
        assert_eq!(btf.add_int(None, 4, 1), Ok(-libc::EINVAL));
        assert_eq!(btf.add_ptr(1), Ok(2));
        assert_eq!(btf.add_struct(Some(c"s"), 8), Ok(3));
        assert_eq!(btf.add_field(Some(c"a"), 1, 0, 0), Ok(0));
        assert_eq!(btf.find_str(c"a"), 7);
        assert_eq!(btf.find_str(c"zz"), -libc::ENOENT);
        assert_eq!(btf.type_cnt(), 4);
        let base = Arc::new(btf);
        let mut split = LibbpfBtfMut::new_empty_split(&base).unwrap();
        assert_eq!(split.start_id(), 4);
        assert_eq!(split.add_str(c"int"), 1);
        assert_eq!(split.add_const(1), Ok(4));
        // A named type of the base: libbpf would read the name after moving the base's strings.
        assert!(split.add_type(&base, 1).is_err());
        assert!(split.add_btf(&base).is_err());
        // An unnamed one is fine.
        assert_eq!(split.add_type(&base, 2), Ok(5));
        assert_eq!(split.permute(&mut [5, 4]), Ok(0));
        let mut other = LibbpfBtfMut::new_empty().unwrap();
        assert!(other.permute(&mut []).is_err());
        assert_eq!(other.permute(&mut [0]), Ok(0));
        assert_eq!(other.add_btf(&split), Ok(-libc::EOPNOTSUPP));
        assert_eq!(split.raw_data().len(), 24 + 24);
    }
}
