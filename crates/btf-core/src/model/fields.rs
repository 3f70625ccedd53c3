//! Where type ids and string offsets live inside a record — the one definition shared by the writer
//! (`add_type`, `add_btf`), `permute`, and later distill, relocate and dedup (libbpf's
//! `btf_field_iter` with `BTF_FIELD_ITER_IDS` / `BTF_FIELD_ITER_STRS`). Positions are word indices
//! into the record, in libbpf's visiting order, which decides string interning order.

use crate::model::raw::Kind;

/// Which fields of a record to visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Fields holding type ids.
    TypeIds,
    /// Fields holding string offsets.
    Strings,
}

/// Field positions of one kind: header words, then one word in each vlen element.
#[derive(Clone, Copy, Debug)]
struct Shape {
    head: &'static [usize],
    /// Words per element and the field's word within it; `None` when elements hold no such field.
    elem: Option<(usize, usize)>,
}

fn shape(kind: Kind, which: FieldKind) -> Option<Shape> {
    const NONE: Shape = Shape {
        head: &[],
        elem: None,
    };
    const NAME: &[usize] = &[0];
    const TYPE: &[usize] = &[2];
    Some(match which {
        FieldKind::TypeIds => match kind {
            Kind::Unkn | Kind::Int | Kind::Float | Kind::Enum | Kind::Enum64 => NONE,
            Kind::Fwd
            | Kind::Const
            | Kind::Volatile
            | Kind::Restrict
            | Kind::Ptr
            | Kind::Typedef
            | Kind::Func
            | Kind::Var
            | Kind::DeclTag
            | Kind::TypeTag => Shape {
                head: TYPE,
                elem: None,
            },
            Kind::Array => Shape {
                head: &[3, 4],
                elem: None,
            },
            Kind::Struct | Kind::Union => Shape {
                head: &[],
                elem: Some((3, 1)),
            },
            Kind::FuncProto => Shape {
                head: TYPE,
                elem: Some((2, 1)),
            },
            Kind::Datasec => Shape {
                head: &[],
                elem: Some((3, 0)),
            },
        },
        FieldKind::Strings => match kind {
            Kind::Unkn => NONE,
            Kind::Int
            | Kind::Float
            | Kind::Fwd
            | Kind::Array
            | Kind::Const
            | Kind::Volatile
            | Kind::Restrict
            | Kind::Ptr
            | Kind::Typedef
            | Kind::Func
            | Kind::Var
            | Kind::DeclTag
            | Kind::TypeTag
            | Kind::Datasec => Shape {
                head: NAME,
                elem: None,
            },
            Kind::Enum | Kind::FuncProto => Shape {
                head: NAME,
                elem: Some((2, 0)),
            },
            Kind::Enum64 | Kind::Struct | Kind::Union => Shape {
                head: NAME,
                elem: Some((3, 0)),
            },
        },
    })
}

/// Word indices of the `which` fields of a record of `kind_raw` with `vlen` elements, in libbpf's
/// order; `None` for kinds libbpf 1.7 does not know (libbpf fails such records with `EINVAL`).
pub fn field_positions(
    kind_raw: u32,
    vlen: u32,
    which: FieldKind,
) -> Option<impl Iterator<Item = usize>> {
    let s = shape(Kind::from_raw(kind_raw)?, which)?;
    let elems = s.elem.map_or(0, |_| vlen as usize);
    let (stride, field) = s.elem.unwrap_or((1, 0));
    Some(
        s.head
            .iter()
            .copied()
            .chain((0..elems).map(move |i| 3 + i * stride + field)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(kind: Kind, vlen: u32, which: FieldKind) -> Vec<usize> {
        field_positions(kind as u32, vlen, which).unwrap().collect()
    }

    #[test]
    fn positions_follow_record_layouts() {
        assert_eq!(ids(Kind::FuncProto, 2, FieldKind::TypeIds), [2, 4, 6]);
        assert_eq!(ids(Kind::FuncProto, 2, FieldKind::Strings), [0, 3, 5]);
        assert_eq!(ids(Kind::Struct, 2, FieldKind::TypeIds), [4, 7]);
        assert_eq!(ids(Kind::Struct, 2, FieldKind::Strings), [0, 3, 6]);
        assert_eq!(ids(Kind::Datasec, 2, FieldKind::TypeIds), [3, 6]);
        assert_eq!(ids(Kind::Datasec, 2, FieldKind::Strings), [0]);
        assert_eq!(ids(Kind::Array, 0, FieldKind::TypeIds), [3, 4]);
        assert_eq!(ids(Kind::Enum64, 1, FieldKind::Strings), [0, 3]);
        assert_eq!(ids(Kind::Int, 0, FieldKind::TypeIds), Vec::<usize>::new());
        assert!(field_positions(25, 0, FieldKind::TypeIds).is_none());
    }
}
