//! One view per BTF kind, and the typed elements of kinds with a vlen: struct and union
//! [`Member`]s, enum [`Enumerator`]s, prototype [`Param`]s, data section [`DatasecVar`]s. Each is
//! a [`Btf`] and the libbpf-shaped record view ([`TypeRef`], or a raw element of
//! `model::types`) it decodes through.

use std::fmt;

use super::{Type, TypeView, sealed, str_at, utf8};
use crate::model::btf::Btf;
use crate::model::error::Result;
use crate::model::raw::{INT_BOOL, INT_CHAR, INT_SIGNED, Kind};
use crate::model::types::{self as raw_types, TypeRef};

/// What every view holds: the object it reads and the record.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub(super) btf: &'a Btf,
    pub(super) t: TypeRef<'a>,
}

impl<'a> View<'a> {
    #[inline]
    fn name_bytes(&self) -> &'a [u8] {
        str_at(self.btf, self.t.name_off())
    }
    #[inline]
    fn get(&self, id: u32) -> Result<Type<'a>> {
        self.btf.get(id)
    }
}

/// Declares a view: the struct, its common methods, [`TypeView`], `From<view> for Type`, Debug.
macro_rules! view {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name<'a>(pub(super) View<'a>);

        impl<'a> $name<'a> {
            /// The type id.
            #[inline]
            pub fn id(&self) -> u32 {
                self.0.t.id()
            }
            /// The name as `&str`: `None` when anonymous or not valid UTF-8.
            #[inline]
            pub fn name(&self) -> Option<&'a str> {
                utf8(self.0.name_bytes())
            }
            /// The name's exact bytes, empty when anonymous.
            #[inline]
            pub fn name_bytes(&self) -> &'a [u8] {
                self.0.name_bytes()
            }
            /// Whether the type has no name.
            pub fn is_anonymous(&self) -> bool {
                self.0.name_bytes().is_empty()
            }
            /// The underlying libbpf-shaped record view.
            #[inline]
            pub fn raw(&self) -> TypeRef<'a> {
                self.0.t
            }
            /// The [`Btf`] this view reads.
            #[inline]
            pub fn btf(&self) -> &'a Btf {
                self.0.btf
            }
        }

        impl sealed::Sealed for $name<'_> {}

        impl<'a> TypeView<'a> for $name<'a> {
            const KIND: Kind = $kind;
            #[inline]
            fn from_type(t: Type<'a>) -> Option<Self> {
                match t {
                    Type::$name(v) => Some(v),
                    _ => None,
                }
            }
            fn id(&self) -> u32 {
                self.0.t.id()
            }
            fn name(&self) -> Option<&'a str> {
                utf8(self.0.name_bytes())
            }
            fn name_bytes(&self) -> &'a [u8] {
                self.0.name_bytes()
            }
        }

        impl<'a> From<$name<'a>> for Type<'a> {
            fn from(v: $name<'a>) -> Type<'a> {
                Type::$name(v)
            }
        }

        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("id", &self.id())
                    .field("name", &String::from_utf8_lossy(self.name_bytes()))
                    .finish()
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&Type::from(*self), f)
            }
        }
    };
}

/// Methods of the views whose header holds a size.
macro_rules! sized {
    ($name:ident) => {
        impl $name<'_> {
            /// The size in bytes.
            #[inline]
            pub fn size(&self) -> u32 {
                self.0.t.size()
            }
        }
    };
}

/// Methods of the views that refer to one other type through the header's `type` word.
macro_rules! refers {
    ($name:ident, $what:literal) => {
        impl<'a> $name<'a> {
            #[doc = concat!("The id of ", $what, ".")]
            #[inline]
            pub fn type_id(&self) -> u32 {
                self.0.t.type_id()
            }
            #[doc = concat!($what, ", an error if its id does not exist.")]
            #[inline]
            pub fn ty(&self) -> Result<Type<'a>> {
                self.0.get(self.0.t.type_id())
            }
        }
    };
}

view!(
    /// `BTF_KIND_INT`: an integer type with its size, bits and encoding.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::raw::INT_SIGNED;
    ///
    /// let mut btf = Btf::new_empty();
    /// let id = btf.add_int("long", 8, INT_SIGNED as i32)?;
    /// let int = btf.get_as::<btf_core::typed::Int>(id)?;
    /// assert_eq!((int.name(), int.size(), int.bits(), int.is_signed()), (Some("long"), 8, 64, true));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Int,
    Kind::Int
);
sized!(Int);
impl Int<'_> {
    /// Number of bits of the value (`BTF_INT_BITS`).
    pub fn bits(&self) -> u32 {
        self.0.t.int_bits()
    }
    /// Bit offset of the value in the integer (`BTF_INT_OFFSET`, 0 in practice).
    pub fn bit_offset(&self) -> u32 {
        self.0.t.int_offset()
    }
    /// The encoding bits (`BTF_INT_SIGNED`, `BTF_INT_CHAR`, `BTF_INT_BOOL`).
    pub fn encoding(&self) -> u32 {
        self.0.t.int_encoding()
    }
    /// Whether the integer is signed.
    pub fn is_signed(&self) -> bool {
        self.encoding() & INT_SIGNED != 0
    }
    /// Whether the integer is a character type.
    pub fn is_char(&self) -> bool {
        self.encoding() & INT_CHAR != 0
    }
    /// Whether the integer is `_Bool`.
    pub fn is_bool(&self) -> bool {
        self.encoding() & INT_BOOL != 0
    }
}

view!(
    /// `BTF_KIND_PTR`: a pointer.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::{Ptr, Type};
    ///
    /// let mut btf = Btf::new_empty();
    /// let s = btf.add_struct("sk_buff", 0)?;
    /// let p = btf.add_ptr(s)?;
    /// let ptr = btf.get_as::<Ptr>(p)?;
    /// assert!(matches!(ptr.pointee()?, Type::Struct(s) if s.name() == Some("sk_buff")));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Ptr,
    Kind::Ptr
);
refers!(Ptr, "the pointed-to type");
impl<'a> Ptr<'a> {
    /// The pointed-to type (as [`ty`](Self::ty)).
    pub fn pointee(&self) -> Result<Type<'a>> {
        self.ty()
    }
    /// The pointed-to type under its typedefs and modifiers ([`Type::resolve`]).
    pub fn pointee_resolved(&self) -> Result<Type<'a>> {
        self.ty()?.resolve()
    }
}

view!(
    /// `BTF_KIND_ARRAY`: element type, index type and element count.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::Array;
    ///
    /// let mut btf = Btf::new_empty();
    /// let int = btf.add_int("int", 4, 0)?;
    /// let a = btf.add_array(int, int, 16)?;
    /// let arr = btf.get_as::<Array>(a)?;
    /// assert_eq!((arr.len(), arr.elem_type_id()), (16, int));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Array,
    Kind::Array
);
impl<'a> Array<'a> {
    /// Number of elements.
    pub fn len(&self) -> u32 {
        self.0.t.array().nelems
    }
    /// Whether the array has no elements (a flexible array member).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The element type's id.
    pub fn elem_type_id(&self) -> u32 {
        self.0.t.array().elem_type
    }
    /// The element type.
    pub fn elem_type(&self) -> Result<Type<'a>> {
        self.0.get(self.elem_type_id())
    }
    /// The index type's id.
    pub fn index_type_id(&self) -> u32 {
        self.0.t.array().index_type
    }
    /// The index type.
    pub fn index_type(&self) -> Result<Type<'a>> {
        self.0.get(self.index_type_id())
    }
}

/// One member of a [`Struct`] or [`Union`], with its name and type resolved on demand.
#[derive(Clone, Copy)]
pub struct Member<'a> {
    btf: &'a Btf,
    m: raw_types::Member,
}

impl<'a> Member<'a> {
    /// The name as `&str`: `None` for an anonymous member (a nested anonymous struct or union,
    /// or an unnamed bitfield) or a name that is not UTF-8.
    #[inline]
    pub fn name(&self) -> Option<&'a str> {
        utf8(self.name_bytes())
    }
    /// The name's exact bytes, empty when anonymous.
    #[inline]
    pub fn name_bytes(&self) -> &'a [u8] {
        str_at(self.btf, self.m.name_off)
    }
    /// Whether the member has no name.
    pub fn is_anonymous(&self) -> bool {
        self.name_bytes().is_empty()
    }
    /// The member's type id.
    #[inline]
    pub fn type_id(&self) -> u32 {
        self.m.type_id
    }
    /// The member's type.
    #[inline]
    pub fn ty(&self) -> Result<Type<'a>> {
        self.btf.get(self.m.type_id)
    }
    /// Offset of the member from the start of its struct, in bits.
    #[inline]
    pub fn bit_offset(&self) -> u32 {
        self.m.bit_offset()
    }
    /// Offset in bytes, when the member starts on a byte and is not a bitfield.
    pub fn byte_offset(&self) -> Option<u32> {
        let bits = self.bit_offset();
        (self.bitfield_size().is_none() && bits & 7 == 0).then_some(bits / 8)
    }
    /// Width in bits of a bitfield member, `None` for an ordinary member.
    #[inline]
    pub fn bitfield_size(&self) -> Option<u32> {
        Some(self.m.bitfield_size()).filter(|&n| n != 0)
    }
    /// The raw `struct btf_member`.
    pub fn raw(&self) -> raw_types::Member {
        self.m
    }
}

impl fmt::Debug for Member<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("name", &String::from_utf8_lossy(self.name_bytes()))
            .field("type_id", &self.type_id())
            .field("bit_offset", &self.bit_offset())
            .field("bitfield_size", &self.bitfield_size())
            .finish()
    }
}

/// Methods of STRUCT and UNION.
macro_rules! composite {
    ($name:ident) => {
        sized!($name);
        impl<'a> $name<'a> {
            /// Number of members.
            #[inline]
            pub fn len(&self) -> usize {
                self.0.t.vlen() as usize
            }
            /// Whether there are no members.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
            /// The members in order, names and types resolved on demand; allocates nothing.
            #[inline]
            pub fn members(&self) -> impl ExactSizeIterator<Item = Member<'a>> + 'a {
                let btf = self.0.btf;
                self.0.t.members().map(move |m| Member { btf, m })
            }
            /// The direct member named `name` (members of anonymous nested structs and unions
            /// are not searched: see [`find_member`](Self::find_member)).
            pub fn member(&self, name: &str) -> Option<Member<'a>> {
                let name = name.as_bytes();
                self.members().find(|m| m.name_bytes() == name)
            }
            /// The member named `name`, also inside anonymous nested structs and unions (as C
            /// reaches them), with its bit offset from the start of this type.
            ///
            /// ```
            /// use btf_core::Btf;
            /// use btf_core::typed::Struct;
            ///
            /// let mut btf = Btf::new_empty();
            /// let int = btf.add_int("int", 4, 0)?;
            /// let inner = btf.add_union("", 4)?;
            /// btf.add_field("a", int, 0, 0)?;
            /// let outer = btf.add_struct("outer", 8)?;
            /// btf.add_field("x", int, 0, 0)?;
            /// btf.add_field("", inner, 32, 0)?;
            /// let s = btf.get_as::<Struct>(outer)?;
            /// assert!(s.member("a").is_none());
            /// let (m, bits) = s.find_member("a").expect("in the anonymous union");
            /// assert_eq!((m.type_id(), bits), (int, 32));
            /// # Ok::<(), btf_core::Error>(())
            /// ```
            pub fn find_member(&self, name: &str) -> Option<(Member<'a>, u32)> {
                find_member(self.0.btf, self.0.t, name.as_bytes(), 0)
            }
        }
    };
}

/// `name` among the members of `t`, descending into anonymous struct and union members (to a
/// bounded depth: malformed BTF may nest a type in itself).
fn find_member<'a>(
    btf: &'a Btf,
    t: TypeRef<'a>,
    name: &[u8],
    depth: u32,
) -> Option<(Member<'a>, u32)> {
    if depth > super::MAX_RESOLVE_DEPTH {
        return None;
    }
    for m in t.members() {
        let m = Member { btf, m };
        let own = m.name_bytes();
        if own == name {
            return Some((m, m.bit_offset()));
        }
        if own.is_empty() {
            let inner = match m.ty().and_then(Type::resolve) {
                Ok(Type::Struct(s)) => s.0.t,
                Ok(Type::Union(u)) => u.0.t,
                _ => continue,
            };
            if let Some((found, off)) = find_member(btf, inner, name, depth + 1) {
                return Some((found, off.saturating_add(m.bit_offset())));
            }
        }
    }
    None
}

view!(
    /// `BTF_KIND_STRUCT`: size and members.
    ///
    /// ```
    /// use btf_core::Btf;
    ///
    /// let mut btf = Btf::new_empty();
    /// let int = btf.add_int("int", 4, 0)?;
    /// btf.add_struct("pair", 8)?;
    /// btf.add_field("a", int, 0, 0)?;
    /// btf.add_field("b", int, 32, 3)?;
    /// let s = btf.find_struct("pair").expect("present");
    /// let m: Vec<_> = s.members().map(|m| (m.name(), m.bit_offset(), m.bitfield_size())).collect();
    /// assert_eq!(m, [(Some("a"), 0, None), (Some("b"), 32, Some(3))]);
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Struct,
    Kind::Struct
);
composite!(Struct);

view!(
    /// `BTF_KIND_UNION`: size and members (all at bit offset 0 in C).
    Union,
    Kind::Union
);
composite!(Union);

/// The value of an [`Enumerator`], signed or unsigned as its enum's kind flag says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnumeratorValue {
    /// A value of a signed enum.
    Signed(i64),
    /// A value of an unsigned enum.
    Unsigned(u64),
}

impl fmt::Display for EnumeratorValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnumeratorValue::Signed(v) => v.fmt(f),
            EnumeratorValue::Unsigned(v) => v.fmt(f),
        }
    }
}

/// One value of an [`Enum`] or [`Enum64`].
#[derive(Clone, Copy)]
pub struct Enumerator<'a> {
    btf: &'a Btf,
    name_off: u32,
    value: EnumeratorValue,
}

impl<'a> Enumerator<'a> {
    /// The name as `&str` (`None` if not UTF-8 or empty).
    pub fn name(&self) -> Option<&'a str> {
        utf8(self.name_bytes())
    }
    /// The name's exact bytes.
    pub fn name_bytes(&self) -> &'a [u8] {
        str_at(self.btf, self.name_off)
    }
    /// The value, signed or unsigned.
    pub fn value(&self) -> EnumeratorValue {
        self.value
    }
    /// The value as `i64` (an unsigned value above `i64::MAX` wraps).
    pub fn as_i64(&self) -> i64 {
        match self.value {
            EnumeratorValue::Signed(v) => v,
            EnumeratorValue::Unsigned(v) => v as i64,
        }
    }
    /// The value as `u64` (a negative value wraps).
    pub fn as_u64(&self) -> u64 {
        match self.value {
            EnumeratorValue::Signed(v) => v as u64,
            EnumeratorValue::Unsigned(v) => v,
        }
    }
}

impl fmt::Debug for Enumerator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enumerator")
            .field("name", &String::from_utf8_lossy(self.name_bytes()))
            .field("value", &self.value)
            .finish()
    }
}

/// Methods of ENUM and ENUM64; `$values` turns the record into `(name_off, value as u64)`,
/// `$signed` a stored value into the signed one.
macro_rules! enumeration {
    ($name:ident, |$t:ident| $values:expr, $signed:expr) => {
        sized!($name);
        impl<'a> $name<'a> {
            /// Number of values.
            pub fn len(&self) -> usize {
                self.0.t.vlen() as usize
            }
            /// Whether there are no values (a forward-declared enum).
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
            /// Whether the values are signed (the kind flag).
            pub fn is_signed(&self) -> bool {
                self.0.t.kflag()
            }
            /// The values in order.
            pub fn values(&self) -> impl ExactSizeIterator<Item = Enumerator<'a>> + 'a {
                let (btf, signed) = (self.0.btf, self.is_signed());
                let $t = &self.0.t;
                let to_signed: fn(u64) -> i64 = $signed;
                $values.map(move |(name_off, v)| Enumerator {
                    btf,
                    name_off,
                    value: if signed {
                        EnumeratorValue::Signed(to_signed(v))
                    } else {
                        EnumeratorValue::Unsigned(v)
                    },
                })
            }
            /// The value named `name`.
            pub fn value(&self, name: &str) -> Option<Enumerator<'a>> {
                let name = name.as_bytes();
                self.values().find(|v| v.name_bytes() == name)
            }
        }
    };
}

view!(
    /// `BTF_KIND_ENUM`: values of up to 32 bits, signed when the kind flag is set.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::EnumeratorValue;
    ///
    /// let mut btf = Btf::new_empty();
    /// btf.add_enum("dir", 4)?;
    /// btf.add_enum_value("LEFT", -1)?;
    /// btf.add_enum_value("RIGHT", 1)?;
    /// let e = btf.find_enum("dir").expect("present");
    /// assert!(e.is_signed());
    /// assert_eq!(e.value("LEFT").map(|v| v.value()), Some(EnumeratorValue::Signed(-1)));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Enum,
    Kind::Enum
);
enumeration!(
    Enum,
    |t| t.enum_values().map(|v| (v.name_off, u64::from(v.val))),
    |v| i64::from(v as u32 as i32)
);

view!(
    /// `BTF_KIND_ENUM64`: values of up to 64 bits, signed when the kind flag is set.
    ///
    /// ```
    /// use btf_core::Btf;
    ///
    /// let mut btf = Btf::new_empty();
    /// btf.add_enum64("big", 8, false)?;
    /// btf.add_enum64_value("HUGE", 1 << 40)?;
    /// let e = btf.find_enum64("big").expect("present");
    /// assert_eq!(e.values().next().map(|v| v.as_u64()), Some(1 << 40));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Enum64,
    Kind::Enum64
);
enumeration!(
    Enum64,
    |t| t.enum64_values().map(|v| (v.name_off, v.val)),
    |v| v as i64
);

view!(
    /// `BTF_KIND_FWD`: a forward declaration of a struct or union.
    Fwd,
    Kind::Fwd
);
impl Fwd<'_> {
    /// Whether it declares a union (the kind flag).
    pub fn is_union(&self) -> bool {
        self.0.t.kflag()
    }
    /// Whether it declares a struct.
    pub fn is_struct(&self) -> bool {
        !self.is_union()
    }
}

view!(
    /// `BTF_KIND_TYPEDEF`: a name for another type.
    ///
    /// ```
    /// use btf_core::Btf;
    /// use btf_core::typed::Type;
    ///
    /// let mut btf = Btf::new_empty();
    /// let int = btf.add_int("unsigned int", 4, 0)?;
    /// btf.add_typedef("u32", int)?;
    /// let td = btf.find_typedef("u32").expect("present");
    /// assert!(matches!(td.ty()?, Type::Int(i) if i.bits() == 32));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Typedef,
    Kind::Typedef
);
refers!(Typedef, "the aliased type");

view!(
    /// `BTF_KIND_VOLATILE`: the `volatile` qualifier.
    Volatile,
    Kind::Volatile
);
refers!(Volatile, "the qualified type");

view!(
    /// `BTF_KIND_CONST`: the `const` qualifier.
    Const,
    Kind::Const
);
refers!(Const, "the qualified type");

view!(
    /// `BTF_KIND_RESTRICT`: the `restrict` qualifier.
    Restrict,
    Kind::Restrict
);
refers!(Restrict, "the qualified type");

view!(
    /// `BTF_KIND_TYPE_TAG`: a tag (`btf_type_tag`, its name) on the type it refers to.
    TypeTag,
    Kind::TypeTag
);
refers!(TypeTag, "the tagged type");
impl TypeTag<'_> {
    /// Whether this is a type attribute (`btf_type_attr`, the kind flag) rather than a tag.
    pub fn is_attr(&self) -> bool {
        self.0.t.kflag()
    }
}

/// The linkage of a [`Func`] or [`Var`] (`BTF_FUNC_*`, `BTF_VAR_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Linkage {
    /// `static`: `BTF_FUNC_STATIC`, `BTF_VAR_STATIC` (0).
    Static,
    /// Defined here and visible outside: `BTF_FUNC_GLOBAL`, `BTF_VAR_GLOBAL_ALLOCATED` (1).
    Global,
    /// Declared here, defined elsewhere: `BTF_FUNC_EXTERN`, `BTF_VAR_GLOBAL_EXTERN` (2).
    Extern,
    /// Another value.
    Other(u32),
}

impl Linkage {
    fn from_raw(raw: u32) -> Linkage {
        match raw {
            0 => Linkage::Static,
            1 => Linkage::Global,
            2 => Linkage::Extern,
            n => Linkage::Other(n),
        }
    }
}

view!(
    /// `BTF_KIND_FUNC`: a function, its linkage and prototype.
    ///
    /// ```
    /// use btf_core::{Btf, FUNC_GLOBAL};
    /// use btf_core::typed::Linkage;
    ///
    /// let mut btf = Btf::new_empty();
    /// let int = btf.add_int("int", 4, btf_core::raw::INT_SIGNED as i32)?;
    /// let proto = btf.add_func_proto(int)?;
    /// btf.add_func_param("fd", int)?;
    /// btf.add_func("close", FUNC_GLOBAL, proto)?;
    /// let f = btf.find_func("close").expect("present");
    /// assert_eq!(f.linkage(), Linkage::Global);
    /// let p = f.proto()?;
    /// assert_eq!(p.params().map(|p| p.name()).collect::<Vec<_>>(), [Some("fd")]);
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Func,
    Kind::Func
);
impl<'a> Func<'a> {
    /// The linkage (stored in the vlen).
    pub fn linkage(&self) -> Linkage {
        Linkage::from_raw(self.0.t.vlen())
    }
    /// The prototype's id.
    pub fn proto_id(&self) -> u32 {
        self.0.t.type_id()
    }
    /// The prototype: an error if it does not exist or is not a FUNC_PROTO.
    pub fn proto(&self) -> Result<FuncProto<'a>> {
        self.0.btf.get_as(self.proto_id())
    }
}

/// One parameter of a [`FuncProto`].
#[derive(Clone, Copy)]
pub struct Param<'a> {
    btf: &'a Btf,
    p: raw_types::Param,
}

impl<'a> Param<'a> {
    /// The name as `&str`: `None` when unnamed or not UTF-8.
    pub fn name(&self) -> Option<&'a str> {
        utf8(self.name_bytes())
    }
    /// The name's exact bytes, empty when unnamed.
    pub fn name_bytes(&self) -> &'a [u8] {
        str_at(self.btf, self.p.name_off)
    }
    /// The parameter's type id (0 with no name: the `...` of a variadic function).
    pub fn type_id(&self) -> u32 {
        self.p.type_id
    }
    /// The parameter's type.
    pub fn ty(&self) -> Result<Type<'a>> {
        self.btf.get(self.p.type_id)
    }
    /// Whether this is the `...` of a variadic prototype (type 0, no name).
    pub fn is_variadic(&self) -> bool {
        self.p.type_id == 0 && self.p.name_off == 0
    }
}

impl fmt::Debug for Param<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Param")
            .field("name", &String::from_utf8_lossy(self.name_bytes()))
            .field("type_id", &self.type_id())
            .finish()
    }
}

view!(
    /// `BTF_KIND_FUNC_PROTO`: a return type and parameters (usually anonymous).
    FuncProto,
    Kind::FuncProto
);
impl<'a> FuncProto<'a> {
    /// The return type's id (0: `void`).
    pub fn return_type_id(&self) -> u32 {
        self.0.t.type_id()
    }
    /// The return type.
    pub fn return_type(&self) -> Result<Type<'a>> {
        self.0.get(self.return_type_id())
    }
    /// Number of parameters (a variadic `...` counts as one).
    pub fn len(&self) -> usize {
        self.0.t.vlen() as usize
    }
    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The parameters in order.
    pub fn params(&self) -> impl ExactSizeIterator<Item = Param<'a>> + 'a {
        let btf = self.0.btf;
        self.0.t.params().map(move |p| Param { btf, p })
    }
    /// Whether the last parameter is `...`.
    pub fn is_variadic(&self) -> bool {
        self.params().last().is_some_and(|p| p.is_variadic())
    }
}

view!(
    /// `BTF_KIND_VAR`: a variable, its linkage and type.
    Var,
    Kind::Var
);
refers!(Var, "the variable's type");
impl Var<'_> {
    /// The linkage.
    pub fn linkage(&self) -> Linkage {
        Linkage::from_raw(self.0.t.var_linkage())
    }
}

/// One entry of a [`Datasec`]: a variable (or, in `.ksyms`, a function) at an offset.
#[derive(Clone, Copy)]
pub struct DatasecVar<'a> {
    btf: &'a Btf,
    v: raw_types::VarSecinfo,
}

impl<'a> DatasecVar<'a> {
    /// The id of the VAR (or FUNC).
    pub fn type_id(&self) -> u32 {
        self.v.type_id
    }
    /// The VAR (or FUNC).
    pub fn ty(&self) -> Result<Type<'a>> {
        self.btf.get(self.v.type_id)
    }
    /// Offset in the section, in bytes.
    pub fn offset(&self) -> u32 {
        self.v.offset
    }
    /// Size in bytes.
    pub fn size(&self) -> u32 {
        self.v.size
    }
}

impl fmt::Debug for DatasecVar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatasecVar")
            .field("type_id", &self.type_id())
            .field("offset", &self.offset())
            .field("size", &self.size())
            .finish()
    }
}

view!(
    /// `BTF_KIND_DATASEC`: a data section and its variables.
    ///
    /// ```
    /// use btf_core::{Btf, VAR_GLOBAL_ALLOCATED};
    /// use btf_core::typed::Type;
    ///
    /// let mut btf = Btf::new_empty();
    /// let int = btf.add_int("int", 4, 0)?;
    /// let var = btf.add_var("counter", VAR_GLOBAL_ALLOCATED, int)?;
    /// btf.add_datasec(".bss", 4)?;
    /// btf.add_datasec_var_info(var, 0, 4)?;
    /// let sec = btf.find_datasec(".bss").expect("present");
    /// let v = sec.vars().next().expect("one entry");
    /// assert!(matches!(v.ty()?, Type::Var(v) if v.name() == Some("counter")));
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    Datasec,
    Kind::Datasec
);
sized!(Datasec);
impl<'a> Datasec<'a> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.t.vlen() as usize
    }
    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The entries in order.
    pub fn vars(&self) -> impl ExactSizeIterator<Item = DatasecVar<'a>> + 'a {
        let btf = self.0.btf;
        self.0.t.datasec_vars().map(move |v| DatasecVar { btf, v })
    }
}

view!(
    /// `BTF_KIND_FLOAT`: a floating-point type.
    Float,
    Kind::Float
);
sized!(Float);

view!(
    /// `BTF_KIND_DECL_TAG`: a tag (`btf_decl_tag`, its name) on a declaration, or on one of its
    /// members or parameters.
    DeclTag,
    Kind::DeclTag
);
refers!(DeclTag, "the tagged declaration");
impl DeclTag<'_> {
    /// Index of the tagged member or parameter, `None` when the whole declaration is tagged.
    pub fn component_idx(&self) -> Option<u32> {
        u32::try_from(self.0.t.decl_tag_component_idx()).ok()
    }
    /// Whether this is a declaration attribute (`btf_decl_attr`, the kind flag).
    pub fn is_attr(&self) -> bool {
        self.0.t.kflag()
    }
}

/// A type of a kind libbpf 1.7.0 does not know (only in data with a 2026 kind layout section).
#[derive(Clone, Copy)]
pub struct Unknown<'a>(pub(super) View<'a>);

impl<'a> Unknown<'a> {
    /// The type id.
    pub fn id(&self) -> u32 {
        self.0.t.id()
    }
    /// The raw kind number.
    pub fn kind_raw(&self) -> u32 {
        self.0.t.kind_raw()
    }
    /// The name as `&str`: `None` when anonymous or not valid UTF-8.
    pub fn name(&self) -> Option<&'a str> {
        utf8(self.0.name_bytes())
    }
    /// The name's exact bytes.
    pub fn name_bytes(&self) -> &'a [u8] {
        self.0.name_bytes()
    }
    /// The underlying libbpf-shaped record view.
    pub fn raw(&self) -> TypeRef<'a> {
        self.0.t
    }
    /// The [`Btf`] this view reads.
    pub fn btf(&self) -> &'a Btf {
        self.0.btf
    }
}

impl fmt::Debug for Unknown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unknown")
            .field("id", &self.id())
            .field("kind_raw", &self.kind_raw())
            .finish()
    }
}
