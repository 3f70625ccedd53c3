//! Queries with libbpf's semantics: find by name (and kind), resolve size, resolve type, alignment
//! and pointer size (`btf__find_by_name*`, `btf__resolve_size`, `btf__resolve_type`, `btf__align_of`,
//! `btf__pointer_size`).

use std::collections::HashMap;

use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, Result};
use crate::model::index::NameIndex;
use crate::model::raw::Kind;
use crate::model::types::TypeRef;

/// libbpf's `MAX_RESOLVE_DEPTH`.
const MAX_RESOLVE_DEPTH: u32 = 32;
/// Nesting limit for `align_of`, which libbpf recurses without bound (a by-value cycle overflows its
/// stack); no real kernel type nests anywhere near this deep.
const MAX_ALIGN_DEPTH: u32 = 256;

/// The spellings of `long` libbpf accepts when guessing the pointer size.
const LONG_ALIASES: [&[u8]; 11] = [
    b"long",
    b"long int",
    b"int long",
    b"unsigned long",
    b"long unsigned",
    b"unsigned long int",
    b"unsigned int long",
    b"long unsigned int",
    b"long int unsigned",
    b"int unsigned long",
    b"int long unsigned",
];

fn is_void_like(t: &TypeRef<'_>) -> bool {
    t.id() == 0 || t.is(Kind::Fwd)
}

impl Btf {
    fn name_index(&self) -> &NameIndex {
        self.names.get_or_init(|| NameIndex::build(self))
    }

    /// First type named `name` whose kind is `kind`, base chain first (`btf__find_by_name_kind`).
    /// `kind` is taken as libbpf takes its `__u32`: 0 (or the name `void`) finds void, id 0; values
    /// that are negative as `__s32` match any kind. Returns `None` where libbpf returns `-ENOENT`.
    pub fn find_by_name_kind(&self, name: &[u8], kind: u32) -> Option<u32> {
        let kind = kind as i32;
        if kind == 0 || name == b"void" {
            return Some(0);
        }
        self.find_in_chain(name, u32::try_from(kind).ok())
    }

    /// First type named `name` of any kind, base chain first (`btf__find_by_name`).
    pub fn find_by_name(&self, name: &[u8]) -> Option<u32> {
        if name == b"void" {
            return Some(0);
        }
        self.find_in_chain(name, None)
    }

    fn find_in_chain(&self, name: &[u8], kind: Option<u32>) -> Option<u32> {
        if let Some(id) = self.base.as_ref().and_then(|b| b.find_in_chain(name, kind)) {
            return Some(id);
        }
        self.name_index().find(self, name, kind)
    }

    /// Pointer size in bytes: set explicitly, or guessed from an INT named like `long` of size 4 or 8
    /// (base first); `None` when it cannot be told (`btf__pointer_size` returns 0).
    pub fn pointer_size(&self) -> Option<u32> {
        match self.explicit_pointer_size.get() {
            0 => {}
            sz => return Some(sz),
        }
        *self.guessed_pointer_size.get_or_init(|| {
            if let Some(sz) = self.base.as_ref().and_then(|b| b.pointer_size()) {
                return Some(sz);
            }
            self.types().find_map(|t| {
                let long_int = t.is(Kind::Int) && (t.size() == 4 || t.size() == 8);
                (long_int && LONG_ALIASES.contains(&self.name_of(&t))).then_some(t.size())
            })
        })
    }

    /// Sets the pointer size (`btf__set_pointer_size`): only 4 and 8 are accepted.
    pub fn set_pointer_size(&self, size: u32) -> Result<()> {
        if size != 4 && size != 8 {
            return Err(Error::invalid(format!("pointer size {size} is not 4 or 8")));
        }
        self.explicit_pointer_size.set(size);
        Ok(())
    }

    /// The pointer size resolve and align computations use: unknown means the host's.
    fn effective_pointer_size(&self) -> u32 {
        self.pointer_size()
            .unwrap_or(std::mem::size_of::<usize>() as u32)
    }

    fn type_or_err(&self, id: u32) -> Result<TypeRef<'_>> {
        self.type_by_id(id).ok_or_else(|| {
            Error::invalid(format!(
                "type id {id} does not exist (type count {})",
                self.type_cnt()
            ))
        })
    }

    /// Size in bytes of type `id`, following typedefs, modifiers, VAR and DECL_TAG and multiplying
    /// array dimensions (`btf__resolve_size`).
    pub fn resolve_size(&self, id: u32) -> Result<u64> {
        let mut nelems: u32 = 1;
        let mut t = self.type_by_id(id);
        let mut size: Option<u32> = None;
        for _ in 0..MAX_RESOLVE_DEPTH {
            let Some(cur) = t.filter(|c| !is_void_like(c)) else {
                break;
            };
            let next = match cur.kind() {
                Some(
                    Kind::Int
                    | Kind::Struct
                    | Kind::Union
                    | Kind::Enum
                    | Kind::Enum64
                    | Kind::Datasec
                    | Kind::Float,
                ) => {
                    size = Some(cur.size());
                    break;
                }
                Some(Kind::Ptr) => {
                    size = Some(self.effective_pointer_size());
                    break;
                }
                Some(
                    Kind::Typedef
                    | Kind::Volatile
                    | Kind::Const
                    | Kind::Restrict
                    | Kind::Var
                    | Kind::DeclTag
                    | Kind::TypeTag,
                ) => cur.type_id(),
                Some(Kind::Array) => {
                    let a = cur.array();
                    if nelems != 0 && a.nelems > u32::MAX / nelems {
                        return Err(too_big(id));
                    }
                    nelems *= a.nelems;
                    a.elem_type
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "type [{id}]: a {} has no size",
                        crate::read::parse::kind_name(&cur)
                    )));
                }
            };
            t = self.type_by_id(next);
        }
        let Some(size) = size else {
            return Err(Error::invalid(format!(
                "type [{id}]: does not resolve to a sized type"
            )));
        };
        if nelems != 0 && size > u32::MAX / nelems {
            return Err(too_big(id));
        }
        Ok(u64::from(nelems) * u64::from(size))
    }

    /// The id that type `id` resolves to through modifiers, typedefs and VAR (`btf__resolve_type`).
    pub fn resolve_type(&self, id: u32) -> Result<u32> {
        let mut id_now = id;
        let mut t = self.type_by_id(id);
        let mut depth = 0;
        while depth < MAX_RESOLVE_DEPTH {
            let Some(cur) = t.filter(|c| !is_void_like(c)) else {
                break;
            };
            let through = cur.kind().is_some_and(|k| {
                matches!(
                    k,
                    Kind::Volatile
                        | Kind::Const
                        | Kind::Restrict
                        | Kind::TypeTag
                        | Kind::Typedef
                        | Kind::Var
                )
            });
            if !through {
                break;
            }
            id_now = cur.type_id();
            t = self.type_by_id(id_now);
            depth += 1;
        }
        match t {
            Some(cur) if depth < MAX_RESOLVE_DEPTH && !is_void_like(&cur) => Ok(id_now),
            _ => Err(Error::invalid(format!(
                "type [{id}]: does not resolve to a concrete type"
            ))),
        }
    }

    /// Alignment in bytes of type `id` (`btf__align_of`); packed structs align to 1. Kinds without an
    /// alignment (FUNC, FWD, VAR, void, ...) are an error (libbpf returns 0 with `EINVAL`).
    pub fn align_of(&self, id: u32) -> Result<u32> {
        self.align_of_memo(id, &mut HashMap::new())
    }

    /// [`align_of`](Self::align_of) keeping the alignments of structs and unions in `memo`
    /// across calls (the C dump asks for every member of every struct it writes).
    pub(crate) fn align_of_memo(&self, id: u32, memo: &mut impl AlignMemo) -> Result<u32> {
        let t = self.type_or_err(id)?;
        self.align_of_type(t, 0, memo)
    }

    fn align_of_type<M: AlignMemo>(&self, t: TypeRef<'_>, depth: u32, memo: &mut M) -> Result<u32> {
        if depth > MAX_ALIGN_DEPTH {
            return Err(Error::invalid(format!(
                "type [{}]: nesting deeper than {MAX_ALIGN_DEPTH} (a cycle?)",
                t.id()
            )));
        }
        let inner =
            |id: u32, memo: &mut M| self.align_of_type(self.type_or_err(id)?, depth + 1, memo);
        match t.kind() {
            Some(Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Float) => {
                Ok(self.effective_pointer_size().min(t.size()))
            }
            Some(Kind::Ptr) => Ok(self.effective_pointer_size()),
            Some(Kind::Typedef | Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag) => {
                inner(t.type_id(), memo)
            }
            Some(Kind::Array) => inner(t.array().elem_type, memo),
            Some(Kind::Struct | Kind::Union) => {
                match memo.known(t.id()) {
                    // Reached again while its own members are being computed: it contains
                    // itself. Said at once instead of after MAX_ALIGN_DEPTH levels, which the C
                    // dump would pay again for every value and member of such a type.
                    Some(ALIGN_IN_PROGRESS) => {
                        return Err(Error::invalid(format!(
                            "type [{}]: contains itself by value (a cycle)",
                            t.id()
                        )));
                    }
                    Some(a) => return Ok(a),
                    None => {}
                }
                memo.remember(t.id(), ALIGN_IN_PROGRESS);
                let align = self.members_align(&t, depth, memo);
                match align {
                    Ok(a) => memo.remember(t.id(), a),
                    Err(_) => memo.forget(t.id()),
                }
                align
            }
            _ => Err(Error::new(
                ErrorKind::Invalid,
                format!(
                    "type [{}]: a {} has no alignment",
                    t.id(),
                    crate::read::parse::kind_name(&t)
                ),
            )),
        }
    }

    /// The alignment of a struct or union from its members': the largest, or 1 when a member
    /// sits off its alignment (packed) or the size is not a multiple of it.
    fn members_align<M: AlignMemo>(
        &self,
        t: &TypeRef<'_>,
        depth: u32,
        memo: &mut M,
    ) -> Result<u32> {
        let mut max_align = 1u32;
        for m in t.members() {
            let align = self.align_of_type(self.type_or_err(m.type_id)?, depth + 1, memo)?;
            if align == 0 {
                return Err(Error::invalid(format!(
                    "type [{}]: member type [{}] has alignment 0",
                    t.id(),
                    m.type_id
                )));
            }
            max_align = max_align.max(align);
            if m.bitfield_size() == 0 && u64::from(m.offset) % (8 * u64::from(align)) != 0 {
                return Ok(1);
            }
        }
        Ok(if t.size() % max_align != 0 {
            1
        } else {
            max_align
        })
    }
}

/// Where [`Btf::align_of_memo`] keeps the alignments of structs and unions it computed.
pub(crate) trait AlignMemo {
    fn known(&self, id: u32) -> Option<u32>;
    fn remember(&mut self, id: u32, align: u32);
    fn forget(&mut self, id: u32);
}

/// What [`AlignMemo`] holds for a struct or union whose members are being computed.
const ALIGN_IN_PROGRESS: u32 = u32::MAX - 1;

/// A memo for one call.
impl AlignMemo for HashMap<u32, u32> {
    fn known(&self, id: u32) -> Option<u32> {
        self.get(&id).copied()
    }
    fn remember(&mut self, id: u32, align: u32) {
        self.insert(id, align);
    }
    fn forget(&mut self, id: u32) {
        self.remove(&id);
    }
}

/// A memo indexed by id (`u32::MAX`: not computed), for a caller that asks about many types.
impl AlignMemo for Vec<u32> {
    fn known(&self, id: u32) -> Option<u32> {
        self.get(id as usize).copied().filter(|&a| a != u32::MAX)
    }
    fn remember(&mut self, id: u32, align: u32) {
        if let Some(slot) = self.get_mut(id as usize) {
            *slot = align;
        }
    }
    fn forget(&mut self, id: u32) {
        self.remember(id, u32::MAX);
    }
}

fn too_big(id: u32) -> Error {
    Error::new(
        ErrorKind::TooBig,
        format!("type [{id}]: size exceeds 4 GiB"),
    )
}
