//! A typed Rust API over [`Btf`]: [`Btf::get`] gives a [`Type`], an enum with one borrowed view
//! per BTF kind ([`Struct`], [`Enum`], [`FuncProto`], ...), whose names are `&str`, whose members,
//! values and parameters are typed, and whose references lead to further [`Type`]s.
//!
//! This layer sits beside the libbpf-shaped one ([`TypeRef`], [`Btf::type_by_id`],
//! [`Btf::name_of`]) and is a thin shell over it: a view is the [`Btf`] and a [`TypeRef`], two
//! references, and decodes nothing until asked. Nothing here allocates — not [`Btf::get`], not the
//! iterators ([`Btf::iter_types`], [`Btf::structs`], [`Struct::members`], ...), not name lookups —
//! and everything works the same on split BTF: ids below [`Btf::start_id`] and string offsets
//! below [`Btf::start_str_off`] are served by the base.
//!
//! Names: [`Struct::name`] (and every view's and member's `name()`) is the name as `&str` when
//! it is valid UTF-8, `None` when the type is anonymous or (never seen in kernel BTF) its name is
//! not UTF-8; `name_bytes()` always gives the exact bytes (empty for anonymous types).
//!
//! ```
//! use btf_core::Btf;
//! use btf_core::typed::Type;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
//! let btf = Btf::parse_file(path, None)?;
//!
//! // Look a struct up by name and walk its members, names and types resolved.
//! let s = btf.find_struct("thing").expect("small.btf has struct thing");
//! for m in s.members() {
//!     let ty = m.ty()?;
//!     println!("{:>3} {:<8} {}", m.bit_offset(), m.name().unwrap_or("(anon)"), ty);
//! }
//!
//! // Or every type, matched by kind.
//! for t in btf.iter_types() {
//!     match t {
//!         Type::Enum(e) => println!("enum {:?}: {} values", e.name(), e.len()),
//!         Type::FuncProto(p) => println!("prototype with {} parameters", p.len()),
//!         _ => {}
//!     }
//! }
//! # Ok::<(), btf_core::Error>(())
//! ```

use std::fmt;

use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, Result};
use crate::model::raw::Kind;
use crate::model::types::{TypeRef, VOID_RECORD};

mod views;

#[cfg(test)]
mod tests;

pub use views::{
    Array, Const, Datasec, DatasecVar, DeclTag, Enum, Enum64, Enumerator, EnumeratorValue, Float,
    Func, FuncProto, Fwd, Int, Linkage, Member, Param, Ptr, Restrict, Struct, TypeTag, Typedef,
    Union, Unknown, Var, Volatile,
};

/// How many typedefs, modifiers and type tags [`Btf::resolve`] follows before it calls the chain
/// a loop (libbpf's `MAX_RESOLVE_DEPTH`).
pub const MAX_RESOLVE_DEPTH: u32 = 32;

/// One BTF type, as a typed view of its kind. Every view borrows the [`Btf`] it came from.
///
/// New kinds may be added to BTF, so the enum is `#[non_exhaustive]`; a kind this library does
/// not know (possible only in data with a 2026 kind layout section) is [`Type::Unknown`].
///
/// ```
/// use btf_core::Btf;
/// use btf_core::typed::Type;
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
/// let btf = Btf::parse_file(path, None)?;
/// let id = btf.find_struct("thing").expect("present").id();
/// match btf.get(id)? {
///     Type::Struct(s) => assert_eq!(s.name(), Some("thing")),
///     other => panic!("not a struct: {other}"),
/// }
/// # Ok::<(), btf_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Type<'a> {
    /// `void`, type id 0.
    Void,
    /// `BTF_KIND_INT`.
    Int(Int<'a>),
    /// `BTF_KIND_PTR`.
    Ptr(Ptr<'a>),
    /// `BTF_KIND_ARRAY`.
    Array(Array<'a>),
    /// `BTF_KIND_STRUCT`.
    Struct(Struct<'a>),
    /// `BTF_KIND_UNION`.
    Union(Union<'a>),
    /// `BTF_KIND_ENUM` (values of up to 32 bits).
    Enum(Enum<'a>),
    /// `BTF_KIND_FWD`: a forward declaration of a struct or union.
    Fwd(Fwd<'a>),
    /// `BTF_KIND_TYPEDEF`.
    Typedef(Typedef<'a>),
    /// `BTF_KIND_VOLATILE`.
    Volatile(Volatile<'a>),
    /// `BTF_KIND_CONST`.
    Const(Const<'a>),
    /// `BTF_KIND_RESTRICT`.
    Restrict(Restrict<'a>),
    /// `BTF_KIND_FUNC`: a function, with its linkage and prototype.
    Func(Func<'a>),
    /// `BTF_KIND_FUNC_PROTO`: a function prototype, return type and parameters.
    FuncProto(FuncProto<'a>),
    /// `BTF_KIND_VAR`: a variable.
    Var(Var<'a>),
    /// `BTF_KIND_DATASEC`: a data section and the variables in it.
    Datasec(Datasec<'a>),
    /// `BTF_KIND_FLOAT`.
    Float(Float<'a>),
    /// `BTF_KIND_DECL_TAG`: a tag on a declaration or one of its members or parameters.
    DeclTag(DeclTag<'a>),
    /// `BTF_KIND_TYPE_TAG`: a tag on a type.
    TypeTag(TypeTag<'a>),
    /// `BTF_KIND_ENUM64` (values of up to 64 bits).
    Enum64(Enum64<'a>),
    /// A kind libbpf 1.7.0 does not know.
    Unknown(Unknown<'a>),
}

/// The views that stand for exactly one [`Kind`], so that generic code can ask for one by type:
/// [`Btf::find`], [`Btf::get_as`], [`Btf::types_of`], [`Type::downcast`]. Implemented by every
/// view in this module except [`Unknown`]; it cannot be implemented outside this crate.
///
/// ```
/// use btf_core::Btf;
/// use btf_core::typed::{Struct, TypeView};
///
/// fn named<'a, T: TypeView<'a>>(btf: &'a Btf) -> usize {
///     btf.types_of::<T>().filter(|t| t.name().is_some()).count()
/// }
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
/// let btf = Btf::parse_file(path, None)?;
/// assert!(named::<Struct>(&btf) > 0);
/// # Ok::<(), btf_core::Error>(())
/// ```
pub trait TypeView<'a>: Copy + Into<Type<'a>> + sealed::Sealed + 'a {
    /// The kind this view stands for.
    const KIND: Kind;
    /// The view, if `t` is of its kind.
    fn from_type(t: Type<'a>) -> Option<Self>;
    /// The type id.
    fn id(&self) -> u32;
    /// The name as `&str`: `None` when anonymous or not valid UTF-8.
    fn name(&self) -> Option<&'a str>;
    /// The name's exact bytes, empty when anonymous.
    fn name_bytes(&self) -> &'a [u8];
}

pub(crate) mod sealed {
    /// Keeps [`super::TypeView`] implemented by this crate's views only.
    pub trait Sealed {}
}

/// The bytes at string offset `off` of `btf` (through its base), empty when unresolvable.
#[inline]
pub(crate) fn str_at(btf: &Btf, off: u32) -> &[u8] {
    if off == 0 {
        // Offset 0 is "" in every valid string section; skip the lookup for anonymous names.
        return b"";
    }
    btf.str_bytes(off).unwrap_or(b"")
}

/// `bytes` as a name: `None` when empty or not UTF-8.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_empty() {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

fn missing(btf: &Btf, id: u32) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!(
            "type id {id} does not exist (type count {})",
            btf.type_cnt()
        ),
    )
}

impl<'a> Type<'a> {
    /// The typed view of `t`, a record of `btf`.
    #[inline]
    pub(crate) fn new(btf: &'a Btf, t: TypeRef<'a>) -> Type<'a> {
        use views::View;
        let v = View { btf, t };
        match t.kind() {
            _ if t.id() == 0 => Type::Void,
            Some(Kind::Int) => Type::Int(Int(v)),
            Some(Kind::Ptr) => Type::Ptr(Ptr(v)),
            Some(Kind::Array) => Type::Array(Array(v)),
            Some(Kind::Struct) => Type::Struct(Struct(v)),
            Some(Kind::Union) => Type::Union(Union(v)),
            Some(Kind::Enum) => Type::Enum(Enum(v)),
            Some(Kind::Fwd) => Type::Fwd(Fwd(v)),
            Some(Kind::Typedef) => Type::Typedef(Typedef(v)),
            Some(Kind::Volatile) => Type::Volatile(Volatile(v)),
            Some(Kind::Const) => Type::Const(Const(v)),
            Some(Kind::Restrict) => Type::Restrict(Restrict(v)),
            Some(Kind::Func) => Type::Func(Func(v)),
            Some(Kind::FuncProto) => Type::FuncProto(FuncProto(v)),
            Some(Kind::Var) => Type::Var(Var(v)),
            Some(Kind::Datasec) => Type::Datasec(Datasec(v)),
            Some(Kind::Float) => Type::Float(Float(v)),
            Some(Kind::DeclTag) => Type::DeclTag(DeclTag(v)),
            Some(Kind::TypeTag) => Type::TypeTag(TypeTag(v)),
            Some(Kind::Enum64) => Type::Enum64(Enum64(v)),
            Some(Kind::Unkn) | None => Type::Unknown(Unknown(v)),
        }
    }

    /// The underlying libbpf-shaped record view (for `void`, an all-zero record with id 0).
    pub fn raw(&self) -> TypeRef<'a> {
        match self {
            Type::Void => TypeRef::new(0, &VOID_RECORD),
            Type::Int(v) => v.raw(),
            Type::Ptr(v) => v.raw(),
            Type::Array(v) => v.raw(),
            Type::Struct(v) => v.raw(),
            Type::Union(v) => v.raw(),
            Type::Enum(v) => v.raw(),
            Type::Fwd(v) => v.raw(),
            Type::Typedef(v) => v.raw(),
            Type::Volatile(v) => v.raw(),
            Type::Const(v) => v.raw(),
            Type::Restrict(v) => v.raw(),
            Type::Func(v) => v.raw(),
            Type::FuncProto(v) => v.raw(),
            Type::Var(v) => v.raw(),
            Type::Datasec(v) => v.raw(),
            Type::Float(v) => v.raw(),
            Type::DeclTag(v) => v.raw(),
            Type::TypeTag(v) => v.raw(),
            Type::Enum64(v) => v.raw(),
            Type::Unknown(v) => v.raw(),
        }
    }

    /// The type id (0 for `void`).
    pub fn id(&self) -> u32 {
        self.raw().id()
    }

    /// The kind, `None` for a kind libbpf 1.7.0 does not know; `void` is [`Kind::Unkn`] (0), its
    /// number in the UAPI.
    pub fn kind(&self) -> Option<Kind> {
        self.raw().kind()
    }

    /// The upper-case kind name bpftool prints (`STRUCT`, `FUNC_PROTO`, ...; `VOID` for void,
    /// `UNKNOWN` for a kind libbpf does not know).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Type::Void => "VOID",
            t => t.kind().map_or("UNKNOWN", Kind::name),
        }
    }

    /// The name's exact bytes, empty for `void` and anonymous types.
    pub fn name_bytes(&self) -> &'a [u8] {
        match self.btf_or_none() {
            None => b"",
            Some(btf) => str_at(btf, self.raw().name_off()),
        }
    }

    /// The name as `&str`: `None` for `void`, anonymous types and names that are not UTF-8.
    pub fn name(&self) -> Option<&'a str> {
        utf8(self.name_bytes())
    }

    /// The [`Btf`] this view reads (`None` for [`Type::Void`], which belongs to every BTF).
    pub fn btf(&self) -> Option<&'a Btf> {
        self.btf_or_none()
    }

    fn btf_or_none(&self) -> Option<&'a Btf> {
        Some(match self {
            Type::Void => return None,
            Type::Int(v) => v.btf(),
            Type::Ptr(v) => v.btf(),
            Type::Array(v) => v.btf(),
            Type::Struct(v) => v.btf(),
            Type::Union(v) => v.btf(),
            Type::Enum(v) => v.btf(),
            Type::Fwd(v) => v.btf(),
            Type::Typedef(v) => v.btf(),
            Type::Volatile(v) => v.btf(),
            Type::Const(v) => v.btf(),
            Type::Restrict(v) => v.btf(),
            Type::Func(v) => v.btf(),
            Type::FuncProto(v) => v.btf(),
            Type::Var(v) => v.btf(),
            Type::Datasec(v) => v.btf(),
            Type::Float(v) => v.btf(),
            Type::DeclTag(v) => v.btf(),
            Type::TypeTag(v) => v.btf(),
            Type::Enum64(v) => v.btf(),
            Type::Unknown(v) => v.btf(),
        })
    }

    /// The size in bytes recorded in the type, for the kinds that have one (INT, STRUCT, UNION,
    /// ENUM, ENUM64, DATASEC, FLOAT); see [`Btf::resolve_size`] for the size of any type.
    pub fn size(&self) -> Option<u32> {
        match self {
            Type::Int(_)
            | Type::Struct(_)
            | Type::Union(_)
            | Type::Enum(_)
            | Type::Enum64(_)
            | Type::Datasec(_)
            | Type::Float(_) => Some(self.raw().size()),
            _ => None,
        }
    }

    /// The id of the type this one refers to, for the kinds that refer to one: PTR, TYPEDEF,
    /// VOLATILE, CONST, RESTRICT, TYPE_TAG, FUNC (its prototype), VAR, DECL_TAG, FUNC_PROTO (its
    /// return type) and ARRAY (its element type).
    pub fn ref_type_id(&self) -> Option<u32> {
        match self {
            Type::Ptr(_)
            | Type::Typedef(_)
            | Type::Volatile(_)
            | Type::Const(_)
            | Type::Restrict(_)
            | Type::TypeTag(_)
            | Type::Func(_)
            | Type::Var(_)
            | Type::DeclTag(_)
            | Type::FuncProto(_) => Some(self.raw().type_id()),
            Type::Array(a) => Some(a.elem_type_id()),
            _ => None,
        }
    }

    /// Whether this is a TYPEDEF, a VOLATILE, CONST or RESTRICT modifier or a TYPE_TAG: what
    /// [`Type::resolve`] looks through.
    pub fn is_alias(&self) -> bool {
        matches!(
            self,
            Type::Typedef(_)
                | Type::Volatile(_)
                | Type::Const(_)
                | Type::Restrict(_)
                | Type::TypeTag(_)
        )
    }

    /// The type under any typedefs, modifiers and type tags (itself if it has none); an error
    /// when the chain leads to a missing id or is longer than [`MAX_RESOLVE_DEPTH`] (a loop).
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::Type;
    ///
    /// let mut btf = Btf::new_empty();
    /// let int = btf.add_int("int", 4, btf_core::raw::INT_SIGNED as i32)?;
    /// let cint = btf.add_const(int)?;
    /// let alias = btf.add_typedef("cint_t", cint)?;
    /// let t = btf.get(alias)?;
    /// assert!(matches!(t.resolve()?, Type::Int(i) if i.id() == int));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn resolve(self) -> Result<Type<'a>> {
        let Some(btf) = self.btf_or_none() else {
            return Ok(self);
        };
        let mut t = self;
        for _ in 0..MAX_RESOLVE_DEPTH {
            if !t.is_alias() {
                return Ok(t);
            }
            t = btf.get(t.raw().type_id())?;
        }
        if !t.is_alias() {
            return Ok(t);
        }
        Err(Error::invalid(format!(
            "type [{}]: more than {MAX_RESOLVE_DEPTH} typedefs and modifiers in a row (a loop?)",
            self.id()
        )))
    }

    /// This type as the view `T`, if it is of `T`'s kind.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::Struct;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
    /// let btf = Btf::parse_file(path, None)?;
    /// let n = btf.iter_types().filter_map(|t| t.downcast::<Struct>()).count();
    /// assert_eq!(n, btf.structs().count());
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn downcast<T: TypeView<'a>>(self) -> Option<T> {
        T::from_type(self)
    }
}

/// bpftool's header line for the type: `[id] KIND 'name'` (`[0] VOID` for void).
impl fmt::Display for Type<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Type::Void = self {
            return f.write_str("[0] VOID");
        }
        write!(
            f,
            "[{}] {} '{}'",
            self.id(),
            self.kind_name(),
            String::from_utf8_lossy(self.name_bytes())
        )
    }
}

/// Type equality is identity: the same id of the same [`Btf`] object.
impl PartialEq for Type<'_> {
    fn eq(&self, other: &Self) -> bool {
        let same_btf = match (self.btf_or_none(), other.btf_or_none()) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_btf && self.id() == other.id()
    }
}

impl Eq for Type<'_> {}

/// Every type of a [`Btf`] and its bases in id order, from [`Btf::iter_types`] and
/// [`Btf::iter_own_types`]; allocates nothing.
#[derive(Clone, Debug)]
pub struct Types<'a> {
    /// The object the types are viewed through (ids and names resolve through its bases).
    top: &'a Btf,
    /// The object of the chain whose own types are being visited.
    layer: &'a Btf,
    /// Next own index in `layer`.
    idx: u32,
    /// Types left to visit, in all layers.
    remaining: u32,
}

impl<'a> Types<'a> {
    fn new(top: &'a Btf, whole_chain: bool) -> Self {
        let mut layer = top;
        if whole_chain {
            while let Some(base) = layer.base() {
                layer = base;
            }
        }
        let remaining = if whole_chain {
            top.type_cnt() - 1
        } else {
            top.nr_types()
        };
        Types {
            top,
            layer,
            idx: 0,
            remaining,
        }
    }
}

impl<'a> Iterator for Types<'a> {
    type Item = Type<'a>;

    #[inline]
    fn next(&mut self) -> Option<Type<'a>> {
        loop {
            if self.idx < self.layer.nr_types() {
                let t = self.layer.type_by_id(self.layer.start_id() + self.idx)?;
                self.idx += 1;
                self.remaining = self.remaining.saturating_sub(1);
                return Some(Type::new(self.top, t));
            }
            if std::ptr::eq(self.layer, self.top) {
                return None;
            }
            // The next layer is the one whose base is the layer just finished.
            let mut above = self.top;
            while let Some(base) = above.base() {
                if std::ptr::eq(&**base, self.layer) {
                    break;
                }
                above = base;
            }
            self.layer = above;
            self.idx = 0;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining as usize, Some(self.remaining as usize))
    }
}

impl ExactSizeIterator for Types<'_> {}
impl std::iter::FusedIterator for Types<'_> {}

/// The typed API on [`Btf`]; see the [module documentation](crate::typed).
impl Btf {
    /// The type with id `id` as a typed view; id 0 is [`Type::Void`]. Ids below
    /// [`start_id`](Btf::start_id) are served by the base. An error of kind
    /// [`ErrorKind::NotFound`] when `id >= type_cnt()`.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::Type;
    ///
    /// let mut btf = Btf::new_empty();
    /// let id = btf.add_float("double", 8)?;
    /// assert!(matches!(btf.get(id)?, Type::Float(f) if f.size() == 8));
    /// assert!(matches!(btf.get(0)?, Type::Void));
    /// assert!(btf.get(id + 1).is_err());
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    #[inline]
    pub fn get(&self, id: u32) -> Result<Type<'_>> {
        match self.type_by_id(id) {
            Some(t) => Ok(Type::new(self, t)),
            None => Err(missing(self, id)),
        }
    }

    /// The type with id `id` as the view `T`: an error when it does not exist or is of another
    /// kind.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::{Struct, Union};
    ///
    /// let mut btf = Btf::new_empty();
    /// let id = btf.add_struct("point", 8)?;
    /// assert_eq!(btf.get_as::<Struct>(id)?.size(), 8);
    /// assert!(btf.get_as::<Union>(id).is_err());
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn get_as<'a, T: TypeView<'a>>(&'a self, id: u32) -> Result<T> {
        let t = self.get(id)?;
        T::from_type(t).ok_or_else(|| {
            Error::invalid(format!(
                "type [{id}] is a {}, not a {}",
                t.kind_name(),
                T::KIND.name()
            ))
        })
    }

    /// The type `id` resolved through typedefs, modifiers and type tags ([`Type::resolve`]).
    pub fn resolve(&self, id: u32) -> Result<Type<'_>> {
        self.get(id)?.resolve()
    }

    /// Every type from id 1 on, the base's first for split BTF, as typed views; allocates
    /// nothing.
    ///
    /// ```
    /// use btf_core::Btf;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
    /// let btf = Btf::parse_file(path, None)?;
    /// assert_eq!(btf.iter_types().len() as u32, btf.type_cnt() - 1);
    /// for t in btf.iter_types() {
    ///     println!("{t}");
    /// }
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn iter_types(&self) -> Types<'_> {
        Types::new(self, true)
    }

    /// This object's own types (from [`start_id`](Btf::start_id) on), as typed views: for split
    /// BTF, the types it adds to its base.
    pub fn iter_own_types(&self) -> Types<'_> {
        Types::new(self, false)
    }

    /// Every type of the kind of `T`, base types first, as `T`.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::Enum;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
    /// let btf = Btf::parse_file(path, None)?;
    /// for e in btf.types_of::<Enum>() {
    ///     println!("enum {}: {} values", e.name().unwrap_or("(anon)"), e.len());
    /// }
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn types_of<'a, T: TypeView<'a>>(&'a self) -> impl Iterator<Item = T> + 'a {
        self.iter_types().filter_map(T::from_type)
    }

    /// Every struct, base types first.
    ///
    /// ```
    /// use btf_core::Btf;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
    /// let btf = Btf::parse_file(path, None)?;
    /// let members: usize = btf.structs().map(|s| s.len()).sum();
    /// assert!(members > 0);
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn structs(&self) -> impl Iterator<Item = Struct<'_>> + '_ {
        self.types_of::<Struct>()
    }

    /// Every union, base types first.
    pub fn unions(&self) -> impl Iterator<Item = Union<'_>> + '_ {
        self.types_of::<Union>()
    }

    /// The first type named `name` of the kind of `T`, base first (as
    /// [`find_by_name_kind`](Btf::find_by_name_kind), through its index: no scan). `None` for an
    /// empty name.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::Typedef;
    ///
    /// let mut btf = Btf::new_empty();
    /// let int = btf.add_int("unsigned int", 4, 0)?;
    /// btf.add_typedef("u32", int)?;
    /// let td = btf.find::<Typedef>("u32").expect("present");
    /// assert_eq!(td.type_id(), int);
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn find<'a, T: TypeView<'a>>(&'a self, name: &str) -> Option<T> {
        if name.is_empty() {
            return None;
        }
        let id = self.find_by_name_kind(name.as_bytes(), T::KIND as u32)?;
        T::from_type(self.get(id).ok()?)
    }

    /// The first type named `name`, of any kind, base first; `None` for an empty name.
    pub fn find_type(&self, name: &str) -> Option<Type<'_>> {
        if name.is_empty() {
            return None;
        }
        self.get(self.find_by_name(name.as_bytes())?).ok()
    }

    /// The struct named `name` (`find::<Struct>`).
    ///
    /// ```
    /// use btf_core::Btf;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
    /// let btf = Btf::parse_file(path, None)?;
    /// let s = btf.find_struct("thing").expect("present");
    /// println!("struct thing: {} bytes, {} members", s.size(), s.len());
    /// assert!(btf.find_struct("no_such_struct").is_none());
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn find_struct(&self, name: &str) -> Option<Struct<'_>> {
        self.find(name)
    }

    /// The union named `name`.
    pub fn find_union(&self, name: &str) -> Option<Union<'_>> {
        self.find(name)
    }

    /// The (32-bit) enum named `name`; see [`find_enum64`](Btf::find_enum64).
    pub fn find_enum(&self, name: &str) -> Option<Enum<'_>> {
        self.find(name)
    }

    /// The 64-bit enum named `name`.
    pub fn find_enum64(&self, name: &str) -> Option<Enum64<'_>> {
        self.find(name)
    }

    /// The typedef named `name`.
    pub fn find_typedef(&self, name: &str) -> Option<Typedef<'_>> {
        self.find(name)
    }

    /// The function named `name`.
    pub fn find_func(&self, name: &str) -> Option<Func<'_>> {
        self.find(name)
    }

    /// The variable named `name`.
    pub fn find_var(&self, name: &str) -> Option<Var<'_>> {
        self.find(name)
    }

    /// The data section named `name` (`.data`, `.bss`, `.ksyms`, ...).
    pub fn find_datasec(&self, name: &str) -> Option<Datasec<'_>> {
        self.find(name)
    }
}
