//! The structure-aware writer target: a sequence of `btf__add_*`-like calls (decoded with
//! `arbitrary`) on btf-core's builder, base or split over `small.btf`, with endianness changes,
//! `add_type`/`add_btf` from itself, `permute` and `dedup` mixed in. Each call succeeds or fails
//! cleanly; at the end (and after every dedup) the raw data parses again, gives the same types, and
//! is the same after a round trip (also in the other byte order).

use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use btf_core::{Btf, DedupOptions, Endianness, FwdKind, fields};

use crate::{SMALL_BTF, assert_same_types, parse_over, query_all, small_base};

/// Names come from a small pool (so that lookups and dedup see repeats), or are arbitrary bytes.
#[derive(Arbitrary, Debug)]
enum Name {
    Pool(u8),
    Bytes(Vec<u8>),
}

const POOL: &[&[u8]] = &[
    b"",
    b"a",
    b"b",
    b"int",
    b"char",
    b"s",
    b"u",
    b"e",
    b"f",
    b"x",
    b"long",
    b"unsigned int",
    b".data",
    b".bss",
    b"task_struct",
    b"__u32",
    b"E1",
    b"E2",
    b"9bad",
    b"with space",
];

impl Name {
    fn bytes(&self) -> &[u8] {
        match self {
            Name::Pool(i) => POOL[usize::from(*i) % POOL.len()],
            Name::Bytes(b) => &b[..b.len().min(40)],
        }
    }
}

/// A type id: mostly one that exists (`Near`, taken modulo the type count + 2), sometimes any.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Id {
    Near(u16),
    Any(u32),
}

impl Id {
    fn get(self, btf: &Btf) -> u32 {
        match self {
            Id::Near(n) => u32::from(n) % (btf.type_cnt() + 2),
            Id::Any(v) => v,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Str(Name),
    FindStr(Name),
    Int(Name, u8, i8),
    Float(Name, u8),
    Ptr(Id),
    Const(Id),
    Volatile(Id),
    Restrict(Id),
    Typedef(Name, Id),
    TypeTag(Name, Id),
    TypeAttr(Name, Id),
    Array(Id, Id, u32),
    Struct(Name, u16),
    Union(Name, u16),
    Field(Name, Id, u16, u8),
    Enum(Name, u8),
    Enum64(Name, u8, bool),
    EnumValue(Name, i64),
    Enum64Value(Name, u64),
    Fwd(Name, u8),
    Func(Name, u8, Id),
    FuncProto(Id),
    FuncParam(Name, Id),
    Var(Name, u8, Id),
    Datasec(Name, u16),
    DatasecVarInfo(Id, u16, u16),
    DeclTag(Name, Id, i8),
    DeclAttr(Name, Id, i8),
    AddTypeSelf(Id),
    AddBtfSelf,
    AddSmall,
    Permute(u64),
    Dedup(bool),
    Endian(bool),
    PointerSize(u8),
}

/// Decodes the call sequence from `data` and runs it.
pub fn writer(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(split) = bool::arbitrary(&mut u) else {
        return;
    };
    // A base of its own: endianness and pointer size are shared with the base (as in libbpf),
    // and the shared `small_base()` must not change between runs.
    let own_base = split.then(|| Arc::new(Btf::from_bytes(SMALL_BTF).expect("small.btf parses")));
    let base = own_base.as_ref();
    let mut btf = match base {
        Some(b) => Btf::new_empty_split(Arc::clone(b)),
        None => Btf::new_empty(),
    };
    let (mut ops, mut dedups) = (0, 0);
    while !u.is_empty() && ops < 256 {
        let Ok(op) = Op::arbitrary(&mut u) else {
            break;
        };
        ops += 1;
        // Dedup costs the most by far (it checks each type against its candidates, through
        // the whole graph below it): three per input keeps the target fast.
        if matches!(op, Op::Dedup(_)) {
            dedups += 1;
            if dedups > 3 {
                continue;
            }
        }
        apply(&mut btf, &op, base);
    }
    check_output(&btf, base);
}

fn apply(btf: &mut Btf, op: &Op, base: Option<&Arc<Btf>>) {
    let before = btf.type_cnt();
    let added = match op {
        Op::Str(n) => btf.add_str(n.bytes()).map(|_| ()),
        Op::FindStr(n) => {
            if let Some(off) = btf.find_str(n.bytes()) {
                assert_eq!(
                    btf.str_bytes(off),
                    Some(n.bytes()),
                    "find_str found another string"
                );
            }
            Ok(())
        }
        Op::Int(n, sz, enc) => btf
            .add_int(n.bytes(), usize::from(*sz), i32::from(*enc))
            .map(drop),
        Op::Float(n, sz) => btf.add_float(n.bytes(), usize::from(*sz)).map(drop),
        Op::Ptr(i) => btf.add_ptr(i.get(btf)).map(drop),
        Op::Const(i) => btf.add_const(i.get(btf)).map(drop),
        Op::Volatile(i) => btf.add_volatile(i.get(btf)).map(drop),
        Op::Restrict(i) => btf.add_restrict(i.get(btf)).map(drop),
        Op::Typedef(n, i) => btf.add_typedef(n.bytes(), i.get(btf)).map(drop),
        Op::TypeTag(n, i) => btf.add_type_tag(n.bytes(), i.get(btf)).map(drop),
        Op::TypeAttr(n, i) => btf.add_type_attr(n.bytes(), i.get(btf)).map(drop),
        Op::Array(a, b, n) => btf.add_array(a.get(btf), b.get(btf), *n).map(drop),
        Op::Struct(n, sz) => btf.add_struct(n.bytes(), u32::from(*sz)).map(drop),
        Op::Union(n, sz) => btf.add_union(n.bytes(), u32::from(*sz)).map(drop),
        Op::Field(n, i, off, bits) => btf
            .add_field(n.bytes(), i.get(btf), u32::from(*off), u32::from(*bits))
            .map(drop),
        Op::Enum(n, sz) => btf.add_enum(n.bytes(), u32::from(*sz)).map(drop),
        Op::Enum64(n, sz, signed) => btf.add_enum64(n.bytes(), u32::from(*sz), *signed).map(drop),
        Op::EnumValue(n, v) => btf.add_enum_value(n.bytes(), *v),
        Op::Enum64Value(n, v) => btf.add_enum64_value(n.bytes(), *v),
        Op::Fwd(n, k) => {
            let kind = match k % 3 {
                0 => FwdKind::Struct,
                1 => FwdKind::Union,
                _ => FwdKind::Enum,
            };
            btf.add_fwd(n.bytes(), kind).map(drop)
        }
        Op::Func(n, l, i) => btf
            .add_func(n.bytes(), u32::from(*l % 4), i.get(btf))
            .map(drop),
        Op::FuncProto(i) => btf.add_func_proto(i.get(btf)).map(drop),
        Op::FuncParam(n, i) => btf.add_func_param(n.bytes(), i.get(btf)),
        Op::Var(n, l, i) => btf
            .add_var(n.bytes(), u32::from(*l % 4), i.get(btf))
            .map(drop),
        Op::Datasec(n, sz) => btf.add_datasec(n.bytes(), u32::from(*sz)).map(drop),
        Op::DatasecVarInfo(i, off, sz) => btf
            .add_datasec_var_info(i.get(btf), u32::from(*off), u32::from(*sz))
            .map(drop),
        Op::DeclTag(n, i, c) => btf
            .add_decl_tag(n.bytes(), i.get(btf), i32::from(*c))
            .map(drop),
        Op::DeclAttr(n, i, c) => btf
            .add_decl_attr(n.bytes(), i.get(btf), i32::from(*c))
            .map(drop),
        Op::AddTypeSelf(i) => {
            let src = btf.clone();
            match src.type_by_id(i.get(&src)) {
                Some(t) => btf.add_type(&src, &t).map(drop),
                None => Ok(()),
            }
        }
        Op::AddBtfSelf => {
            if btf.type_cnt() < 128 {
                let src = btf.clone();
                btf.add_btf(&src).map(drop)
            } else {
                Ok(())
            }
        }
        Op::AddSmall => {
            if base.is_none() && btf.type_cnt() < 128 {
                btf.add_btf(small_base()).map(drop)
            } else {
                Ok(())
            }
        }
        Op::Permute(seed) => {
            // A permutation of the own ids (libbpf's id_map: new id per old own id).
            let n = (btf.type_cnt() - btf.start_id()) as usize;
            let mut map: Vec<u32> = (btf.start_id()..btf.type_cnt()).collect();
            let mut s = *seed | 1;
            for i in (1..n).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                map.swap(i, (s % (i as u64 + 1)) as usize);
            }
            btf.permute(&map)
        }
        Op::Dedup(force) => {
            // Forced hash collisions compare every pair of candidates: quadratic by design (as
            // in libbpf), which on a few hundred types made this target run at 600 inputs/s.
            // The `diff_dedup` target forces them on parsed input.
            let force = *force && btf.type_cnt() - btf.start_id() <= 64;
            let r = btf.dedup(&DedupOptions::new().force_collisions(force));
            if r.is_ok() {
                check_output(btf, base);
            }
            r
        }
        Op::Endian(big) => {
            btf.set_endianness(if *big {
                Endianness::Big
            } else {
                Endianness::Little
            });
            Ok(())
        }
        Op::PointerSize(p) => btf.set_pointer_size(u32::from(*p % 9)).map(drop),
    };
    if added.is_err() {
        match op {
            // Failures leave the object as it was (libbpf rolls back the same way).
            Op::Permute(_) | Op::Dedup(_) => {}
            _ => assert_eq!(btf.type_cnt(), before, "a failed {op:?} added types"),
        }
    }
}

/// Some record refers to a type id that does not exist.
fn dangling(btf: &Btf) -> bool {
    btf.types().any(|t| {
        fields::field_positions(t.kind_raw(), t.vlen(), fields::FieldKind::TypeIds).is_some_and(
            |mut p| p.any(|i| t.words().get(i).is_some_and(|&id| id >= btf.type_cnt())),
        )
    })
}

/// Some FUNC's type is not a FUNC_PROTO.
fn func_without_proto(btf: &Btf) -> bool {
    btf.types().any(|t| {
        t.kind() == Some(btf_core::Kind::Func)
            && btf
                .type_by_id(t.type_id())
                .is_none_or(|p| p.kind() != Some(btf_core::Kind::FuncProto))
    })
}

/// Raw data parses again, gives the same types, and round-trips in both byte orders.
fn check_output(btf: &Btf, base: Option<&Arc<Btf>>) {
    let raw = btf.raw_data().into_owned();
    let again = match parse_over(&raw, base) {
        Ok(b) => b,
        // libbpf's `btf__add_*` check referenced ids against the id limit only, not against the
        // types present, and `btf__add_func` takes any type as its prototype (btf-core does the
        // same, byte for byte): such output fails the parser's sanity check, in both libraries.
        Err(_) if dangling(btf) || func_without_proto(btf) => return,
        Err(e) => panic!("writer output does not parse: {e}"),
    };
    assert_same_types(btf, &again, "writer output reparsed");
    assert_eq!(again.endianness(), btf.endianness());
    query_all(&again);
    let mut m = again.clone();
    m.make_modifiable();
    assert_eq!(
        &*m.raw_data(),
        &raw[..],
        "writer output rebuilt differently"
    );
    let other = match btf.endianness() {
        Endianness::Little => Endianness::Big,
        Endianness::Big => Endianness::Little,
    };
    let flipped = btf.raw_data_in(other).into_owned();
    let f = parse_over(&flipped, base).expect("writer output in the other byte order parses");
    assert_same_types(btf, &f, "writer output in the other order reparsed");
}
