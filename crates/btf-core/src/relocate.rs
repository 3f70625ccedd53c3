//! Moving split BTF from the distilled base it was built over onto a full base (libbpf's
//! `btf__relocate`), e.g. a module built out of tree (its `.BTF.base`) onto the running vmlinux.
//!
//! Every distilled base type (a named INT, FLOAT, ENUM, STRUCT, UNION or FWD) must match exactly
//! one type of the new base by name and kind; INT, FLOAT and ENUM/ENUM64 must also match in size,
//! STRUCT/UNION only when the new base has several composites of that name or when a split
//! STRUCT/UNION embeds the distilled one by value (directly, through modifiers/typedefs, or as an
//! array element). Split type ids shift by `type_cnt(new base) - type_cnt(distilled base)`; split
//! strings shift by the difference of the two string sections; strings pointing into the
//! distilled string section are remapped to the name of the matched base type.
//!
//! Unlike libbpf, which rewrites the records in place and leaves a half-relocated object behind
//! when a late step fails, [`Btf::relocate`] is atomic: on error `self` is unchanged. Errors are
//! reported with the errno libbpf uses (`EINVAL`, or `ENOENT` for an unmapped string) and a
//! message a module builder can act on; [`Btf::relocate_detailed`] also returns every failing
//! distilled type as a [`RelocateFailure`], so batch reports can group failures by cause.
//!
//! Divergences kept on purpose: a base that is itself split is handled with its whole string
//! chain (libbpf uses only its own string section, which gives broken offsets); a reference cycle
//! through typedefs/modifiers inside split BTF ends the embedded-by-value walk instead of looping.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::mem::once::RaceOnce;
use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, LibbpfLog};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw::Kind;
use crate::model::types::TypeRef;

/// The struct/union member through which a distilled composite is embedded by value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embedding {
    /// Id (before relocation) of the split STRUCT/UNION.
    pub container_id: u32,
    /// `struct foo`, `union bar`, or `anonymous struct [42]`.
    pub container: String,
    /// Member name (`""` for an anonymous member).
    pub member: String,
}

/// Why one relocation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelocateFailure {
    /// The BTF is not split at all, so there is no distilled base to relocate from.
    NotSplit,
    /// The new base is the distilled base the BTF is already split over.
    SameBase,
    /// The current base is not a distilled base: type `id` is anonymous or of a kind a distilled
    /// base never holds.
    NotDistilled {
        /// The base type that shows it.
        id: u32,
        /// Its kind number.
        kind: u32,
        /// Whether it is anonymous.
        anonymous: bool,
    },
    /// A new-base type with a non-empty name offset but an empty name (libbpf maps it onto void).
    EmptyBaseName {
        /// The new-base type with the empty name.
        base_id: u32,
    },
    /// Several new-base types fit one distilled type.
    Ambiguous {
        /// Kind number of the distilled type.
        kind: u32,
        /// Its name.
        name: String,
        /// Its size in bytes.
        size: u32,
        /// Its id in the distilled base.
        dist_id: u32,
        /// The first two new-base types that fit.
        base_ids: [u32; 2],
    },
    /// The new base has the type but with another size (for STRUCT/UNION: and it is embedded by
    /// value, or the base has several same-named composites, none of the old size).
    SizeMismatch {
        /// Kind number of the distilled type.
        kind: u32,
        /// Its name.
        name: String,
        /// Its id in the distilled base.
        dist_id: u32,
        /// Its size in the distilled base.
        old_size: u32,
        /// The sizes of the same-named types of that kind in the new base.
        new_sizes: Vec<u32>,
        /// The split type that embeds it by value (why the size must match), if any.
        embedded_in: Option<Embedding>,
    },
    /// The new base has a same-named, same-sized INT of another encoding (signedness, char, bool).
    IntEncoding {
        /// The INT's name.
        name: String,
        /// Its id in the distilled base.
        dist_id: u32,
        /// Its encoding in the distilled base.
        old_encoding: u32,
        /// The encodings of the same-named, same-sized INTs in the new base.
        new_encodings: Vec<u32>,
    },
    /// No type of that name and a fitting kind exists in the new base.
    Missing {
        /// Kind number of the distilled type.
        kind: u32,
        /// Its name.
        name: String,
        /// Its size in bytes (0 for a FWD).
        size: u32,
        /// Its id in the distilled base.
        dist_id: u32,
        /// For a FWD: whether it declares a union.
        fwd_union: bool,
    },
    /// A split record of a kind libbpf 1.7 does not know.
    UnknownKind {
        /// The split type.
        type_id: u32,
        /// Its kind number.
        kind: u32,
    },
    /// A split string points into the distilled string section, but not at the name of a
    /// distilled type (`ENOENT`).
    UnmappedString {
        /// The split type holding the offset.
        type_id: u32,
        /// The string offset.
        offset: u32,
    },
}

fn kind_word(kind: u32, fwd_union: bool) -> &'static str {
    match Kind::from_raw(kind) {
        Some(Kind::Int) => "int",
        Some(Kind::Float) => "float",
        Some(Kind::Enum | Kind::Enum64) => "enum",
        Some(Kind::Struct) => "struct",
        Some(Kind::Union) => "union",
        Some(Kind::Fwd) if fwd_union => "forward-declared union",
        Some(Kind::Fwd) => "forward-declared struct",
        Some(k) => k.name(),
        None => "type of unknown kind",
    }
}

fn sizes(list: &[u32]) -> String {
    list.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

impl RelocateFailure {
    /// How libbpf reports this failure: its argument checks and its field walk fail quietly,
    /// everything about the distilled base or its mapping onto the new base is a warning.
    pub fn libbpf_log(&self) -> LibbpfLog {
        match self {
            RelocateFailure::NotSplit
            | RelocateFailure::SameBase
            | RelocateFailure::UnknownKind { .. } => LibbpfLog::Quiet,
            _ => LibbpfLog::Warn,
        }
    }

    /// The errno libbpf returns for this failure.
    pub fn error_kind(&self) -> ErrorKind {
        match self {
            RelocateFailure::UnmappedString { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        }
    }

    /// A short grouping key for batch reports: `struct device 744 -> 752`, `missing int foo (8)`.
    pub fn cause(&self) -> String {
        match self {
            RelocateFailure::SizeMismatch {
                kind,
                name,
                old_size,
                new_sizes,
                ..
            } => format!(
                "{} {name} {old_size} -> {}",
                kind_word(*kind, false),
                sizes(new_sizes)
            ),
            RelocateFailure::Missing {
                kind,
                name,
                size,
                fwd_union,
                ..
            } => format!("missing {} {name} ({size})", kind_word(*kind, *fwd_union)),
            RelocateFailure::Ambiguous {
                kind, name, size, ..
            } => format!("ambiguous {} {name} ({size})", kind_word(*kind, false)),
            RelocateFailure::IntEncoding {
                name,
                old_encoding,
                new_encodings,
                ..
            } => format!(
                "int {name} encoding {old_encoding} -> {}",
                sizes(new_encodings)
            ),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for RelocateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelocateFailure::NotSplit => {
                f.write_str("not split BTF: there is no distilled base to relocate from")
            }
            RelocateFailure::SameBase => {
                f.write_str("the new base is the distilled base this BTF is already split over")
            }
            RelocateFailure::NotDistilled {
                id,
                kind,
                anonymous: true,
            } => write!(
                f,
                "the current base is not a distilled base: type [{id}] ({}) is anonymous",
                kind_word(*kind, false)
            ),
            RelocateFailure::NotDistilled { id, kind, .. } => write!(
                f,
                "the current base is not a distilled base: type [{id}] is a {}, which a \
                 distilled base never holds (only named int, float, enum, struct, union, fwd)",
                kind_word(*kind, false)
            ),
            RelocateFailure::EmptyBaseName { base_id } => write!(
                f,
                "new base type [{base_id}] has a name offset pointing at an empty string"
            ),
            RelocateFailure::Ambiguous {
                kind,
                name,
                size,
                dist_id,
                base_ids,
            } => write!(
                f,
                "{} {name} ({size} bytes, distilled base type [{dist_id}]) matches several types \
                 of the new base ([{}] and [{}]) with the same name and size; cannot choose",
                kind_word(*kind, false),
                base_ids[0],
                base_ids[1]
            ),
            RelocateFailure::SizeMismatch {
                kind,
                name,
                dist_id,
                old_size,
                new_sizes,
                embedded_in,
            } => {
                let k = kind_word(*kind, false);
                write!(
                    f,
                    "{k} {name} is {old_size} bytes in the distilled base (type [{dist_id}]) but {} \
                     in the new base",
                    sizes(new_sizes)
                )?;
                match embedded_in {
                    Some(e) if e.member.is_empty() => write!(
                        f,
                        ", and is embedded by value in {} (anonymous member); rebuild the module \
                         against the new kernel",
                        e.container
                    ),
                    Some(e) => write!(
                        f,
                        ", and is embedded by value in {} member {}; rebuild the module against \
                         the new kernel",
                        e.container, e.member
                    ),
                    None => f.write_str("; rebuild the module against the new kernel"),
                }
            }
            RelocateFailure::IntEncoding {
                name,
                dist_id,
                old_encoding,
                new_encodings,
            } => write!(
                f,
                "int {name} (distilled base type [{dist_id}]) has encoding {old_encoding} \
                 (1 signed, 2 char, 4 bool) but {} in the new base; the kernels disagree on \
                 its signedness",
                sizes(new_encodings)
            ),
            RelocateFailure::Missing {
                kind,
                name,
                size,
                dist_id,
                fwd_union,
            } => write!(
                f,
                "{} {name} ({size} bytes, distilled base type [{dist_id}]) does not exist in the \
                 new base",
                kind_word(*kind, *fwd_union)
            ),
            RelocateFailure::UnknownKind { type_id, kind } => {
                write!(f, "split type [{type_id}] has unknown kind {kind}")
            }
            RelocateFailure::UnmappedString { type_id, offset } => write!(
                f,
                "split type [{type_id}] uses string offset {offset} of the distilled base, which \
                 is not the name of any distilled base type"
            ),
        }
    }
}

/// A failed relocation: the first failure (the one libbpf stops at) and, for unmatched distilled
/// types, every other one too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelocateError {
    /// Never empty; `failures[0]` decides the errno.
    pub failures: Vec<RelocateFailure>,
}

impl RelocateError {
    fn one(f: RelocateFailure) -> Self {
        RelocateError { failures: vec![f] }
    }
    /// The failure libbpf reports.
    pub fn first(&self) -> &RelocateFailure {
        &self.failures[0]
    }
    /// The errno libbpf returns.
    pub fn errno(&self) -> i32 {
        self.first().error_kind().errno()
    }
}

impl fmt::Display for RelocateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot relocate split BTF onto the new base: {}",
            self.first()
        )?;
        let more = self.failures.len() - 1;
        if more > 0 {
            write!(f, " (and {more} more:")?;
            for (i, other) in self.failures[1..].iter().enumerate() {
                write!(f, "{} {}", if i == 0 { "" } else { ";" }, other.cause())?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for RelocateError {}

impl From<RelocateError> for Error {
    fn from(e: RelocateError) -> Error {
        Error::new(e.first().error_kind(), e.to_string()).logged(e.first().libbpf_log())
    }
}

/// Walks the types of `base` relocation looks at (named, eligible kinds), calling `f(name, id)`
/// in ascending id order; `Err(id)` for the first type whose name offset points at `""` where
/// libbpf would map a distilled type onto void.
fn scan_base(base: &Btf, f: &mut impl FnMut(&[u8], u32)) -> Result<(), u32> {
    for id in 1..base.type_cnt() {
        let Some(t) = base.type_by_id(id) else {
            continue;
        };
        if t.name_off() == 0 || !eligible(&t) {
            continue;
        }
        let name = base.name_of(&t);
        if name.is_empty() {
            // libbpf's lookup puts void (id 0, size 0) under the empty name.
            if !needs_size_base(&t) || size31(t.size()) == 0 {
                return Err(id);
            }
            continue;
        }
        f(name, id);
    }
    Ok(())
}

/// A new base searched once for relocating many split BTF objects onto it
/// ([`Btf::relocate_indexed`]): its named types of the kinds relocation matches, by name.
#[derive(Debug)]
pub struct RelocateIndex {
    base: Arc<Btf>,
    groups: HashMap<Box<[u8]>, Vec<u32>>,
    empty_name: Option<u32>,
}

impl RelocateIndex {
    /// Indexes `base`.
    pub fn new(base: Arc<Btf>) -> Self {
        let mut groups: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        let empty_name = scan_base(&base, &mut |name, id| {
            if let Some(list) = groups.get_mut(name) {
                list.push(id);
            } else {
                groups.insert(name.into(), vec![id]);
            }
        })
        .err();
        RelocateIndex {
            base,
            groups,
            empty_name,
        }
    }

    /// The indexed base.
    pub fn base(&self) -> &Arc<Btf> {
        &self.base
    }
}

/// One distilled base type.
struct Dist<'a> {
    id: u32,
    kind: u32,
    name: &'a [u8],
    size: u32,
    kflag: bool,
    encoding: u32,
}

/// libbpf keeps sizes in a 31-bit field for the name/size lookup.
const fn size31(size: u32) -> u32 {
    size & 0x7fff_ffff
}

fn display_name(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

impl Btf {
    /// Relocates this split BTF from its distilled base onto `base` (`btf__relocate`). On success
    /// `self` is split over `base`, starting at `base.type_cnt()`; on error it is unchanged.
    pub fn relocate(&mut self, base: Arc<Btf>) -> crate::Result<()> {
        self.relocate_detailed(base).map_err(Error::from)
    }

    /// [`relocate`](Self::relocate) with the failures as data.
    pub fn relocate_detailed(&mut self, base: Arc<Btf>) -> Result<(), RelocateError> {
        self.relocate_impl(base, None)
    }

    /// [`relocate_detailed`](Self::relocate_detailed) onto the base of `index`, which is
    /// searched once for all the modules relocated onto it instead of once per call.
    pub fn relocate_indexed(&mut self, index: &RelocateIndex) -> Result<(), RelocateError> {
        self.relocate_impl(Arc::clone(&index.base), Some(index))
    }

    fn relocate_impl(
        &mut self,
        base: Arc<Btf>,
        index: Option<&RelocateIndex>,
    ) -> Result<(), RelocateError> {
        let dist = self
            .base
            .clone()
            .ok_or_else(|| RelocateError::one(RelocateFailure::NotSplit))?;
        if Arc::ptr_eq(&dist, &base) {
            return Err(RelocateError::one(RelocateFailure::SameBase));
        }
        let nr_dist = dist.type_cnt();
        let nr_base = base.type_cnt();

        // 1. The current base must look distilled.
        let mut dists = Vec::with_capacity(nr_dist as usize);
        for id in 1..nr_dist {
            let Some(t) = dist.type_by_id(id) else {
                continue;
            };
            let kind = t.kind_raw();
            let ok = matches!(
                t.kind(),
                Some(Kind::Int | Kind::Float | Kind::Enum | Kind::Struct | Kind::Union | Kind::Fwd)
            );
            if !ok || t.name_off() == 0 {
                return Err(RelocateError::one(RelocateFailure::NotDistilled {
                    id,
                    kind,
                    anonymous: ok,
                }));
            }
            dists.push(Dist {
                id,
                kind,
                name: dist.name_of(&t),
                size: t.size(),
                kflag: t.kflag(),
                encoding: if t.is(Kind::Int) { t.int_encoding() } else { 0 },
            });
        }

        // 2. Distilled composites a split struct/union embeds by value.
        let embedded = self.embedded_composites(nr_dist);

        // 3. Same-named new-base types of the kinds relocation looks at, ascending ids.
        let groups: HashMap<&[u8], Vec<u32>> = match index {
            Some(ix) => {
                if let Some(base_id) = ix.empty_name {
                    return Err(RelocateError::one(RelocateFailure::EmptyBaseName {
                        base_id,
                    }));
                }
                dists
                    .iter()
                    .map(|d| (d.name, ix.groups.get(d.name).cloned().unwrap_or_default()))
                    .collect()
            }
            None => {
                let mut groups: HashMap<&[u8], Vec<u32>> = HashMap::with_capacity(dists.len());
                for d in &dists {
                    groups.entry(d.name).or_default();
                }
                let mut wanted = |name: &[u8], id: u32| {
                    if let Some(list) = groups.get_mut(name) {
                        list.push(id);
                    }
                };
                if let Err(base_id) = scan_base(&base, &mut wanted) {
                    return Err(RelocateError::one(RelocateFailure::EmptyBaseName {
                        base_id,
                    }));
                }
                groups
            }
        };

        // 4. Candidates of each distilled type.
        let mut id_map = vec![0u32; nr_dist as usize];
        let mut str_map: HashMap<u32, u32> = HashMap::with_capacity(dists.len());
        let mut unmapped = Vec::new();
        let mut ambiguous: Option<(u32, RelocateFailure)> = None;
        for d in &dists {
            let list = &groups[d.name];
            let multi = |off: u32| {
                list.iter()
                    .filter(|&&b| {
                        let Some(t) = base.type_by_id(b) else {
                            return false;
                        };
                        is_composite(&t) && t.name_off() == off
                    })
                    .count()
                    > 1
            };
            let is_embedded = embedded.contains_key(&d.id);
            let mut found: Vec<u32> = Vec::new();
            for &b in list {
                let Some(t) = base.type_by_id(b) else {
                    continue;
                };
                let key_size = if is_composite(&t) {
                    multi(t.name_off())
                } else {
                    needs_size_base(&t)
                };
                if key_size && size31(t.size()) != size31(d.size) {
                    continue;
                }
                if compatible(d, &t, is_embedded) {
                    found.push(b);
                }
            }
            match found[..] {
                [] => unmapped.push(d),
                [only] => {
                    id_map[d.id as usize] = only;
                    if let (Some(dt), Some(bt)) = (dist.type_by_id(d.id), base.type_by_id(only)) {
                        str_map.insert(dt.name_off(), bt.name_off());
                    }
                }
                [first, second, ..] => {
                    // libbpf stops at the smallest second candidate over all distilled types.
                    if ambiguous.as_ref().is_none_or(|(at, _)| second < *at) {
                        ambiguous = Some((
                            second,
                            RelocateFailure::Ambiguous {
                                kind: d.kind,
                                name: display_name(d.name),
                                size: d.size,
                                dist_id: d.id,
                                base_ids: [first, second],
                            },
                        ));
                    }
                }
            }
        }
        if let Some((_, failure)) = ambiguous {
            return Err(RelocateError::one(failure));
        }
        if !unmapped.is_empty() {
            let failures = unmapped
                .iter()
                .map(|d| diagnose(d, &groups[d.name], &base, embedded.get(&d.id).cloned()))
                .collect();
            return Err(RelocateError { failures });
        }

        // 5. Rewrite ids, then strings, into a copy; commit only when both passes succeed.
        let shift = nr_base.wrapping_sub(nr_dist);
        let dist_str_len = dist.str_end();
        let str_shift = base.str_end().wrapping_sub(dist_str_len);
        let mut types = self.types.to_vec();
        let patch_original = self.original.is_some() && !self.modified.get();
        let mut patched: Vec<(usize, u32)> = Vec::new();
        for which in [FieldKind::TypeIds, FieldKind::Strings] {
            for (i, t) in self.types().enumerate() {
                let at = self.type_offs[i] as usize;
                let positions =
                    field_positions(t.kind_raw(), t.vlen(), which).ok_or_else(|| {
                        RelocateError::one(RelocateFailure::UnknownKind {
                            type_id: t.id(),
                            kind: t.kind_raw(),
                        })
                    })?;
                for p in positions {
                    let w = &mut types[at + p];
                    let old = *w;
                    let new = match which {
                        FieldKind::TypeIds if old < nr_dist => id_map[old as usize],
                        FieldKind::TypeIds => old.wrapping_add(shift),
                        FieldKind::Strings if old == 0 => continue,
                        FieldKind::Strings if old >= dist_str_len => old.wrapping_add(str_shift),
                        FieldKind::Strings => *str_map.get(&old).ok_or_else(|| {
                            RelocateError::one(RelocateFailure::UnmappedString {
                                type_id: t.id(),
                                offset: old,
                            })
                        })?,
                    };
                    *w = new;
                    if patch_original {
                        patched.push((at + p, new));
                    }
                }
            }
        }

        // 6. Commit.
        if let Some(original) = self.original.as_mut().filter(|_| patch_original) {
            // libbpf rewrites the records inside the bytes it returns from `btf__raw_data`.
            let h = &self.header;
            let types_at = h.hdr_len as usize + h.type_off as usize;
            for (word, value) in patched {
                let at = types_at + word * 4;
                original.to_mut()[at..at + 4].copy_from_slice(&value.to_ne_bytes());
            }
        } else {
            self.original = None;
        }
        self.types = types.into();
        self.start_id = nr_base;
        self.start_str_off = base.str_end();
        self.base = Some(base);
        self.names = RaceOnce::new();
        self.str_index = RaceOnce::new();
        self.guessed_pointer_size = RaceOnce::new();
        Ok(())
    }

    /// Distilled STRUCT/UNION ids that a split STRUCT/UNION member holds by value (through
    /// CONST, VOLATILE, RESTRICT, TYPEDEF, TYPE_TAG and array elements), with the first such
    /// member.
    fn embedded_composites(&self, nr_dist: u32) -> HashMap<u32, Embedding> {
        let mut out = HashMap::new();
        for t in self.types().filter(is_composite) {
            for m in t.members() {
                let mut next = m.type_id;
                // Bounded: a reference cycle would make libbpf loop forever.
                for _ in 0..=self.type_cnt() {
                    let Some(r) = self.type_by_id(next).filter(|_| next != 0) else {
                        break;
                    };
                    next = match r.kind() {
                        Some(
                            Kind::Const
                            | Kind::Restrict
                            | Kind::Volatile
                            | Kind::Typedef
                            | Kind::TypeTag,
                        ) => r.type_id(),
                        Some(Kind::Array) => r.array().elem_type,
                        Some(Kind::Struct | Kind::Union) => {
                            if next < nr_dist {
                                out.entry(next).or_insert_with(|| Embedding {
                                    container_id: t.id(),
                                    container: self.describe(&t),
                                    member: display_name(self.str_bytes(m.name_off).unwrap_or(b"")),
                                });
                            }
                            break;
                        }
                        _ => break,
                    };
                }
            }
        }
        out
    }

    fn describe(&self, t: &TypeRef<'_>) -> String {
        let k = kind_word(t.kind_raw(), false);
        match self.name_of(t) {
            [] => format!("anonymous {k} [{}]", t.id()),
            name => format!("{k} {}", display_name(name)),
        }
    }
}

fn is_composite(t: &TypeRef<'_>) -> bool {
    t.is(Kind::Struct) || t.is(Kind::Union)
}

/// Kinds of the new base that relocation considers.
fn eligible(t: &TypeRef<'_>) -> bool {
    matches!(
        t.kind(),
        Some(
            Kind::Int
                | Kind::Float
                | Kind::Enum
                | Kind::Enum64
                | Kind::Fwd
                | Kind::Struct
                | Kind::Union
        )
    )
}

/// Non-composite new-base kinds that must match in size.
fn needs_size_base(t: &TypeRef<'_>) -> bool {
    matches!(
        t.kind(),
        Some(Kind::Int | Kind::Float | Kind::Enum | Kind::Enum64)
    )
}

/// Whether new-base type `b` may stand for distilled type `d` (name and size key already equal).
fn compatible(d: &Dist<'_>, b: &TypeRef<'_>, embedded: bool) -> bool {
    match Kind::from_raw(d.kind) {
        // As in libbpf, a forward declaration is compared with the base composite's kind flag.
        Some(Kind::Fwd) => match b.kind() {
            Some(Kind::Fwd) => b.kflag() == d.kflag,
            Some(Kind::Struct) => !b.kflag(),
            Some(Kind::Union) => b.kflag(),
            _ => false,
        },
        Some(Kind::Int) => b.is(Kind::Int) && b.int_encoding() == d.encoding,
        Some(Kind::Float) => b.is(Kind::Float),
        Some(Kind::Enum) => b.is(Kind::Enum) || b.is(Kind::Enum64),
        // libbpf checks no kind here, only the size of embedded composites.
        Some(Kind::Struct | Kind::Union) => !embedded || b.size() == d.size,
        _ => false,
    }
}

/// Why distilled type `d` found no new-base type, from the same-named ones (`list`).
fn diagnose(
    d: &Dist<'_>,
    list: &[u32],
    base: &Btf,
    embedded_in: Option<Embedding>,
) -> RelocateFailure {
    let same_kind = |t: &TypeRef<'_>| match Kind::from_raw(d.kind) {
        Some(Kind::Enum) => t.is(Kind::Enum) || t.is(Kind::Enum64),
        Some(Kind::Struct | Kind::Union) => is_composite(t),
        _ => t.kind_raw() == d.kind,
    };
    let near: Vec<TypeRef<'_>> = list
        .iter()
        .filter_map(|&b| base.type_by_id(b))
        .filter(same_kind)
        .collect();
    let mut new_sizes: Vec<u32> = near
        .iter()
        .map(TypeRef::size)
        .filter(|&s| s != d.size)
        .collect();
    new_sizes.dedup();
    let name = display_name(d.name);
    if d.kind == Kind::Int as u32 {
        let mut encs: Vec<u32> = near
            .iter()
            .filter(|t| t.size() == d.size)
            .map(TypeRef::int_encoding)
            .collect();
        encs.dedup();
        if !encs.is_empty() {
            return RelocateFailure::IntEncoding {
                name,
                dist_id: d.id,
                old_encoding: d.encoding,
                new_encodings: encs,
            };
        }
    }
    if d.kind != Kind::Fwd as u32 && !new_sizes.is_empty() {
        return RelocateFailure::SizeMismatch {
            kind: d.kind,
            name,
            dist_id: d.id,
            old_size: d.size,
            new_sizes,
            embedded_in,
        };
    }
    RelocateFailure::Missing {
        kind: d.kind,
        name,
        size: d.size,
        dist_id: d.id,
        fwd_union: d.kind == Kind::Fwd as u32 && d.kflag,
    }
}

#[cfg(test)]
mod tests {
    //! The relocation scenarios of libbpf's `prog_tests/btf_distill.c`, in our own words.

    use std::sync::Arc;

    use super::*;

    /// A standalone BTF holding `int`s of the given sizes (signed).
    fn ints(sizes: &[usize]) -> Btf {
        let mut b = Btf::new_empty();
        for &s in sizes {
            b.add_int("int", s, 1).unwrap();
        }
        b
    }

    /// Split BTF over `dist` with one pointer to each of its types.
    fn ptrs_over(dist: &Arc<Btf>) -> Btf {
        let mut s = Btf::new_empty_split(dist.clone());
        for id in 1..dist.type_cnt() {
            s.add_ptr(id).unwrap();
        }
        s
    }

    #[test]
    fn two_sized_ints_relocate_onto_a_base_with_both() {
        let dist = Arc::new(ints(&[4, 8]));
        let mut split = ptrs_over(&dist);
        let mut base = Btf::new_empty();
        base.add_int("char", 1, 2).unwrap();
        base.add_int("int", 8, 1).unwrap(); // [2]
        base.add_int("int", 4, 1).unwrap(); // [3]
        let base = Arc::new(base);
        split.relocate(base.clone()).unwrap();
        assert!(Arc::ptr_eq(split.base().unwrap(), &base));
        assert_eq!(split.start_id(), 4);
        assert_eq!(split.type_cnt(), 6);
        assert_eq!(split.type_by_id(4).unwrap().type_id(), 3);
        assert_eq!(split.type_by_id(5).unwrap().type_id(), 2);
        assert_eq!(split.start_str_off(), base.str_end());
    }

    #[test]
    fn missing_size_is_einval_and_leaves_the_btf_unchanged() {
        let dist = Arc::new(ints(&[4, 8]));
        let mut split = ptrs_over(&dist);
        let before = split.raw_data().into_owned();
        let err = split.relocate_detailed(Arc::new(ints(&[4]))).unwrap_err();
        assert_eq!(err.errno(), 22);
        match err.first() {
            RelocateFailure::SizeMismatch {
                name,
                old_size: 8,
                new_sizes,
                embedded_in: None,
                ..
            } => {
                assert_eq!(name, "int");
                assert_eq!(new_sizes, &[4]);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("int int is 8 bytes"), "{err}");
        assert!(Arc::ptr_eq(split.base().unwrap(), &dist));
        assert_eq!(split.raw_data().into_owned(), before);
        // Still relocatable afterwards.
        split.relocate(Arc::new(ints(&[8, 4]))).unwrap();
    }

    #[test]
    fn duplicate_candidates_are_ambiguous() {
        // Two identical distilled ints over two identical base ints.
        let dist = Arc::new(ints(&[4, 4]));
        let err = ptrs_over(&dist)
            .relocate_detailed(Arc::new(ints(&[4, 4])))
            .unwrap_err();
        assert!(
            matches!(
                err.first(),
                RelocateFailure::Ambiguous {
                    base_ids: [1, 2],
                    ..
                }
            ),
            "{err}"
        );
        // One distilled int over two identical base ints.
        let dist = Arc::new(ints(&[4]));
        let err = ptrs_over(&dist)
            .relocate(Arc::new(ints(&[4, 4])))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(err.to_string().contains("several types"), "{err}");
    }

    fn struct_base(size: u32) -> Btf {
        let mut b = ints(&[4]);
        b.add_struct("s1", size).unwrap();
        b
    }

    #[test]
    fn embedded_struct_must_keep_its_size() {
        let dist = Arc::new(struct_base(4));
        let mut split = Btf::new_empty_split(dist.clone());
        split.add_typedef("s1_t", 2).unwrap(); // [3]
        split.add_struct("outer", 8).unwrap(); // [4]
        split.add_field("inner", 3, 0, 0).unwrap();
        split.add_field("n", 1, 32, 0).unwrap();
        let err = split
            .clone()
            .relocate_detailed(Arc::new(struct_base(8)))
            .unwrap_err();
        let RelocateFailure::SizeMismatch {
            embedded_in: Some(e),
            old_size: 4,
            ..
        } = err.first()
        else {
            panic!("{err}");
        };
        assert_eq!(
            (e.container.as_str(), e.member.as_str()),
            ("struct outer", "inner")
        );
        assert_eq!(
            err.first().to_string(),
            "struct s1 is 4 bytes in the distilled base (type [2]) but 8 in the new base, and is \
             embedded by value in struct outer member inner; rebuild the module against the new \
             kernel"
        );
        assert_eq!(err.first().cause(), "struct s1 4 -> 8");
        // Through a pointer the size does not matter.
        let mut split = Btf::new_empty_split(dist);
        split.add_ptr(2).unwrap();
        split.add_struct("outer", 8).unwrap();
        split.add_field("p", 3, 0, 0).unwrap();
        split.relocate(Arc::new(struct_base(8))).unwrap();
        assert_eq!(split.type_by_id(3).unwrap().type_id(), 2);
    }

    #[test]
    fn strings_of_the_distilled_base_must_be_type_names() {
        let mut dist = ints(&[4]);
        dist.add_str("lonely").unwrap();
        let dist = Arc::new(dist);
        let mut split = Btf::new_empty_split(dist);
        split.add_typedef("lonely", 1).unwrap();
        let err = split.relocate(Arc::new(ints(&[4]))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    #[test]
    fn bad_bases() {
        let dist = Arc::new(ints(&[4]));
        let mut split = ptrs_over(&dist);
        let err = split.relocate_detailed(dist.clone()).unwrap_err();
        assert_eq!(err.first(), &RelocateFailure::SameBase);
        let err = ints(&[4]).relocate_detailed(dist.clone()).unwrap_err();
        assert_eq!(err.first(), &RelocateFailure::NotSplit);
        // A full base is not a distilled one.
        let mut full = ints(&[4]);
        full.add_ptr(1).unwrap();
        let mut split = Btf::new_empty_split(Arc::new(full));
        split.add_ptr(2).unwrap();
        let err = split.relocate_detailed(dist).unwrap_err();
        assert!(
            matches!(err.first(), RelocateFailure::NotDistilled { id: 2, .. }),
            "{err}"
        );
    }

    /// A shared [`RelocateIndex`] gives exactly what a per-call relocation gives, failures
    /// included, on the corpus' selected 6.1.0-47 modules relocated onto 6.1.0-54.
    #[test]
    fn indexed_matches_unindexed() {
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        if !dir.is_dir() {
            eprintln!("SKIP indexed_matches_unindexed: ../shared/corpus absent");
            return;
        }
        let old = Arc::new(Btf::parse_file(dir.join("vmlinux/6.1.0-47.btf"), None).unwrap());
        let new = Arc::new(Btf::parse_file(dir.join("vmlinux/6.1.0-54.btf"), None).unwrap());
        let index = RelocateIndex::new(Arc::clone(&new));
        let mut files: Vec<_> = std::fs::read_dir(dir.join("modules/6.1.0-47"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut failed = 0;
        for f in &files {
            let split = Btf::parse_file(f, Some(Arc::clone(&old))).unwrap();
            let (_, a) = split.distill_base().unwrap();
            let (_, b) = split.distill_base().unwrap();
            let (mut a, mut b) = (a, b);
            let ra = a.relocate_detailed(Arc::clone(&new));
            let rb = b.relocate_indexed(&index);
            assert_eq!(ra, rb, "{}", f.display());
            if ra.is_ok() {
                assert_eq!(a.raw_data(), b.raw_data(), "{}", f.display());
            } else {
                failed += 1;
            }
        }
        assert!(failed > 0 && failed < files.len());
    }
}
