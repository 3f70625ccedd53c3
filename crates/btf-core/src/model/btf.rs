//! The [`Btf`] object: one BTF type section and string section, optionally split over a base, with
//! id and string lookups across the base chain (libbpf's `struct btf`, `btf__type_by_id`,
//! `btf__str_by_offset`, `btf__type_cnt`, `btf__base_btf`, `btf__endianness`).
//!
//! Ownership rule for split BTF, stated once here: a split `Btf` holds its base in an [`Arc`], so a
//! base lives as long as any split over it, and a `Btf` that serves as a base is shared and never
//! mutated. (libbpf leaves this to the caller; C callers of btf-capi still free in any order.)

use std::ffi::CStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::mem::once::RaceOnce;
use crate::model::index::{EssentialIndex, NameIndex};
use crate::model::raw::{Header, KindLayout};
use crate::model::section::Section;
use crate::model::strings::StringIndex;
use crate::model::types::{TypeRef, VOID_RECORD};

/// A flag settable through `&self` (lookups on a shared base set it), cloned by value.
#[derive(Debug, Default)]
pub(crate) struct Flag(AtomicBool);

impl Flag {
    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub(crate) fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Clone for Flag {
    fn clone(&self) -> Self {
        Flag(AtomicBool::new(self.get()))
    }
}

/// An output setting (pointer size, byte order) changeable through `&self`: settings are not
/// content, and a change on a shared base is seen by its splits, as in libbpf. 0 means unset.
#[derive(Debug, Default)]
pub(crate) struct Setting(AtomicU32);

impl Setting {
    pub(crate) fn new(value: u32) -> Self {
        Setting(AtomicU32::new(value))
    }
    pub(crate) fn set(&self, value: u32) {
        self.0.store(value, Ordering::Relaxed);
    }
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Clone for Setting {
    fn clone(&self) -> Self {
        Setting::new(self.get())
    }
}

/// Byte order of BTF data (`enum btf_endianness`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endianness {
    /// Little-endian (`BTF_LITTLE_ENDIAN`).
    Little = 0,
    /// Big-endian (`BTF_BIG_ENDIAN`).
    Big = 1,
}

impl Endianness {
    /// The byte order of the machine running this code.
    pub const fn native() -> Self {
        if cfg!(target_endian = "big") {
            Endianness::Big
        } else {
            Endianness::Little
        }
    }
}

/// Parsed BTF: own types in native-endian 32-bit words, own strings, and an optional base.
#[derive(Clone, Debug)]
pub struct Btf {
    pub(crate) base: Option<Arc<Btf>>,
    pub(crate) header: Header,
    /// Header bytes past the 24 libbpf 1.7 knows, as read (written back unchanged).
    pub(crate) header_extra: Vec<u8>,
    /// The input bytes (fields in native order) when rebuilding would not reproduce them — gaps,
    /// extra sections, trailing bytes — or when they are in place anyway (a mapped file);
    /// returned by `raw_data` until the first modification.
    pub(crate) original: Option<Section<u8>>,
    /// Set by the first modification or string lookup (libbpf's "modifiable" state, which
    /// `btf__find_str` enters too, for the object and its bases): from then on `raw_data` is
    /// rebuilt rather than the original bytes returned.
    pub(crate) modified: Flag,
    /// Own type records, native order, back to back; in place in the input file when it was
    /// mapped or read in native order, copied on first modification.
    pub(crate) types: Section<u32>,
    /// Word offset into `types` of each own type, by `id - start_id`.
    pub(crate) type_offs: Vec<u32>,
    /// Own string section, as read (in place like `types`).
    pub(crate) strings: Section<u8>,
    /// Own kind layout section (2026 format), empty when absent.
    pub(crate) layout: Vec<KindLayout>,
    pub(crate) start_id: u32,
    pub(crate) start_str_off: u32,
    /// Byte order of the input, then whatever `set_endianness` chose (0 little, 1 big).
    pub(crate) endianness: Setting,
    /// Set from the ELF class or by the caller; otherwise guessed.
    pub(crate) explicit_pointer_size: Setting,
    /// Lazily computed state is built without locks ([`RaceOnce`]): concurrent queries on a
    /// shared object never wait for each other, and a fork never inherits a half-taken lock.
    pub(crate) guessed_pointer_size: RaceOnce<Option<u32>>,
    pub(crate) names: RaceOnce<NameIndex>,
    /// Own named types grouped by essential name, for CO-RE candidate search; built on first
    /// search, dropped by [`Btf::make_modifiable`] (which every modification goes through).
    pub(crate) essential_names: RaceOnce<EssentialIndex>,
    /// Interning index of own strings, built on first string lookup or addition.
    pub(crate) str_index: RaceOnce<StringIndex>,
    /// libbpf's `strs_deduped`: own strings are known to be unique, so `dedup` leaves them as they
    /// are. libbpf decides it once, when the object first becomes modifiable — true for an empty
    /// string section (or a base holding only `""`), i.e. for every object made by `new_empty*` —
    /// and sets it after a string dedup; strings added later never clear it.
    pub(crate) strs_deduped: bool,
}

impl Btf {
    pub(crate) fn empty_with(
        base: Option<Arc<Btf>>,
        header: Header,
        endianness: Endianness,
    ) -> Btf {
        let standalone = base.is_none();
        let (start_id, start_str_off) = match &base {
            Some(b) => (b.type_cnt(), b.start_str_off + b.strings.len() as u32),
            None => (1, 0),
        };
        Btf {
            base,
            header,
            header_extra: Vec::new(),
            original: None,
            modified: Flag::default(),
            types: Section::default(),
            type_offs: Vec::new(),
            strings: Section::default(),
            layout: Vec::new(),
            start_id,
            start_str_off,
            endianness: Setting::new(endianness as u32),
            explicit_pointer_size: Setting::default(),
            guessed_pointer_size: RaceOnce::new(),
            names: RaceOnce::new(),
            essential_names: RaceOnce::new(),
            str_index: RaceOnce::new(),
            strs_deduped: header.str_len == 0 || (standalone && header.str_len == 1),
        }
    }

    /// Number of type ids, including void and every base type (`btf__type_cnt`).
    pub fn type_cnt(&self) -> u32 {
        self.start_id + self.type_offs.len() as u32
    }
    /// First id of this object's own types: 1, or the base's type count for split BTF.
    pub fn start_id(&self) -> u32 {
        self.start_id
    }
    /// Number of own types (not counting void or base types).
    pub fn nr_types(&self) -> u32 {
        self.type_offs.len() as u32
    }
    /// Logical offset of this object's first own string (0 for base BTF).
    pub fn start_str_off(&self) -> u32 {
        self.start_str_off
    }
    /// The base this BTF is split over (`btf__base_btf`).
    pub fn base(&self) -> Option<&Arc<Btf>> {
        self.base.as_ref()
    }
    /// The header as read (native order), `type_len` and `str_len` following modifications.
    /// Its offsets stay as read: what [`Btf::raw_data`] rebuilds is always laid out canonically.
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// Byte order of the data this BTF was read from (`btf__endianness`).
    pub fn endianness(&self) -> Endianness {
        if self.endianness.get() == Endianness::Big as u32 {
            Endianness::Big
        } else {
            Endianness::Little
        }
    }
    /// Own string section bytes.
    pub fn strings_section(&self) -> &[u8] {
        &self.strings
    }
    /// Own kind layout entries (empty unless the data had a 2026 layout section).
    pub fn kind_layout(&self) -> &[KindLayout] {
        &self.layout
    }

    /// The type with id `id`, served from the base chain below `start_id`; id 0 is void
    /// (`btf__type_by_id`). `None` when `id >= type_cnt()`.
    pub fn type_by_id(&self, id: u32) -> Option<TypeRef<'_>> {
        if id == 0 {
            return Some(TypeRef::new(0, &VOID_RECORD));
        }
        if id < self.start_id {
            return self.base.as_ref()?.type_by_id(id);
        }
        let idx = (id - self.start_id) as usize;
        let start = *self.type_offs.get(idx)? as usize;
        let end = match self.type_offs.get(idx + 1) {
            Some(&next) => next as usize,
            None => self.types.len(),
        };
        Some(TypeRef::new(id, self.types.get(start..end)?))
    }

    /// Own types in id order.
    pub fn types(&self) -> impl ExactSizeIterator<Item = TypeRef<'_>> + '_ {
        let n = self.type_offs.len();
        (0..n).map(move |i| {
            let start = self.type_offs[i] as usize;
            let end = self
                .type_offs
                .get(i + 1)
                .map_or(self.types.len(), |&e| e as usize);
            TypeRef::new(self.start_id + i as u32, &self.types[start..end])
        })
    }

    /// One past the last valid logical string offset of this BTF and its bases.
    pub fn str_end(&self) -> u32 {
        self.start_str_off + self.strings.len() as u32
    }

    /// The object of the chain that holds logical string offset `off`, and the local offset in it.
    fn string_home(&self, off: u32) -> Option<(&Btf, usize)> {
        if off < self.start_str_off {
            return self.base.as_ref()?.string_home(off);
        }
        let local = (off - self.start_str_off) as usize;
        (local < self.strings.len()).then_some((self, local))
    }

    /// The string at logical offset `off` across the base chain (`btf__str_by_offset`).
    pub fn str_by_offset(&self, off: u32) -> Option<&CStr> {
        let (home, local) = self.string_home(off)?;
        CStr::from_bytes_until_nul(&home.strings[local..]).ok()
    }

    /// The string at `off` as bytes without its NUL; `None` if `off` is out of range.
    pub fn str_bytes(&self, off: u32) -> Option<&[u8]> {
        self.str_by_offset(off).map(CStr::to_bytes)
    }

    /// The first `len` bytes at logical string offset `off` (fewer at the end of the section,
    /// none for an unresolvable offset), read in place without measuring the string: the caller
    /// knows the string is at least that long.
    pub(crate) fn str_prefix(&self, off: u32, len: usize) -> &[u8] {
        self.string_home(off).map_or(&[], |(home, local)| {
            let s = &home.strings[local..];
            &s[..len.min(s.len())]
        })
    }

    /// Whether the string at logical offset `off` is exactly `name`; an unresolvable offset
    /// counts as `""`, as in [`name_of`](Self::name_of). Compares in place, without first
    /// measuring the string (`str_bytes` runs a `memchr` over it).
    pub(crate) fn str_eq(&self, off: u32, name: &[u8]) -> bool {
        let Some((home, local)) = self.string_home(off) else {
            return name.is_empty();
        };
        let s = &home.strings[local..];
        s.get(name.len()) == Some(&0) && &s[..name.len()] == name
    }

    /// The name of `t`, `""` for anonymous types and for unresolvable offsets.
    pub fn name_of(&self, t: &TypeRef<'_>) -> &[u8] {
        self.str_bytes(t.name_off()).unwrap_or(b"")
    }
}
