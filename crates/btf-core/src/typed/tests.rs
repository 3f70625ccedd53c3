//! Unit tests of the typed API: every kind, split BTF (and split over split), names that are not
//! UTF-8, resolution loops, missing ids, and agreement with the libbpf-shaped views on a real file.

use std::sync::Arc;

use super::*;
use crate::model::raw::{INT_BOOL, INT_CHAR, INT_SIGNED};
use crate::write::{FUNC_EXTERN, FUNC_STATIC, FwdKind, VAR_STATIC};

fn small() -> Btf {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
    Btf::parse_file(path, None).expect("test-data/small.btf parses")
}

/// One type of every kind, built with the writer; returns the object and the ids by kind.
struct AllKinds {
    btf: Btf,
    int: u32,
    chr: u32,
    ptr: u32,
    arr: u32,
    st: u32,
    un: u32,
    en: u32,
    en64: u32,
    fwd_s: u32,
    fwd_u: u32,
    td: u32,
    vol: u32,
    cst: u32,
    res: u32,
    proto: u32,
    func: u32,
    var: u32,
    sec: u32,
    flt: u32,
    dtag: u32,
    ttag: u32,
}

fn all_kinds() -> AllKinds {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, INT_SIGNED as i32).unwrap();
    let chr = b.add_int("char", 1, INT_CHAR as i32).unwrap();
    let ptr = b.add_ptr(int).unwrap();
    let arr = b.add_array(chr, int, 16).unwrap();
    let st = b.add_struct("st", 16).unwrap();
    b.add_field("a", int, 0, 0).unwrap();
    b.add_field("bits", int, 32, 5).unwrap();
    b.add_field("", arr, 64, 0).unwrap();
    let un = b.add_union("un", 4).unwrap();
    b.add_field("i", int, 0, 0).unwrap();
    b.add_field("c", chr, 0, 0).unwrap();
    let en = b.add_enum("en", 4).unwrap();
    b.add_enum_value("NEG", -2).unwrap();
    b.add_enum_value("POS", 7).unwrap();
    let en64 = b.add_enum64("en64", 8, false).unwrap();
    b.add_enum64_value("BIG", u64::MAX - 1).unwrap();
    let fwd_s = b.add_fwd("fs", FwdKind::Struct).unwrap();
    let fwd_u = b.add_fwd("fu", FwdKind::Union).unwrap();
    let td = b.add_typedef("td", int).unwrap();
    let vol = b.add_volatile(td).unwrap();
    let cst = b.add_const(vol).unwrap();
    let res = b.add_restrict(ptr).unwrap();
    let proto = b.add_func_proto(int).unwrap();
    b.add_func_param("x", ptr).unwrap();
    b.add_func_param("", 0).unwrap();
    let func = b.add_func("f", FUNC_EXTERN, proto).unwrap();
    let var = b.add_var("v", VAR_STATIC, int).unwrap();
    let sec = b.add_datasec(".data", 8).unwrap();
    b.add_datasec_var_info(var, 4, 4).unwrap();
    let flt = b.add_float("double", 8).unwrap();
    let dtag = b.add_decl_tag("tag", st, 1).unwrap();
    let ttag = b.add_type_tag("user", int).unwrap();
    AllKinds {
        btf: b,
        int,
        chr,
        ptr,
        arr,
        st,
        un,
        en,
        en64,
        fwd_s,
        fwd_u,
        td,
        vol,
        cst,
        res,
        proto,
        func,
        var,
        sec,
        flt,
        dtag,
        ttag,
    }
}

#[test]
fn every_kind_has_its_view() {
    let k = all_kinds();
    let btf = &k.btf;

    let Type::Int(i) = btf.get(k.int).unwrap() else {
        panic!("int")
    };
    assert_eq!(
        (i.name(), i.size(), i.bits(), i.bit_offset()),
        (Some("int"), 4, 32, 0)
    );
    assert!(i.is_signed() && !i.is_char() && !i.is_bool());
    let c = btf.get_as::<Int>(k.chr).unwrap();
    assert!(c.is_char() && !c.is_signed() && c.encoding() & INT_BOOL == 0);

    let p = btf.get_as::<Ptr>(k.ptr).unwrap();
    assert!(p.is_anonymous() && p.name().is_none());
    assert_eq!(p.type_id(), k.int);
    assert_eq!(p.pointee().unwrap().id(), k.int);

    let a = btf.get_as::<Array>(k.arr).unwrap();
    assert_eq!(
        (a.len(), a.elem_type_id(), a.index_type_id()),
        (16, k.int, k.chr)
    );
    assert!(!a.is_empty());
    assert!(matches!(a.index_type().unwrap(), Type::Int(_)));

    let s = btf.get_as::<Struct>(k.st).unwrap();
    assert_eq!((s.name(), s.size(), s.len()), (Some("st"), 16, 3));
    let m: Vec<_> = s
        .members()
        .map(|m| {
            (
                m.name(),
                m.type_id(),
                m.bit_offset(),
                m.bitfield_size(),
                m.byte_offset(),
            )
        })
        .collect();
    assert_eq!(
        m,
        [
            (Some("a"), k.int, 0, None, Some(0)),
            (Some("bits"), k.int, 32, Some(5), None),
            (None, k.arr, 64, None, Some(8)),
        ]
    );
    assert_eq!(s.member("bits").map(|m| m.bit_offset()), Some(32));
    assert!(s.member("nope").is_none());
    assert!(matches!(
        s.members().nth(2).unwrap().ty().unwrap(),
        Type::Array(_)
    ));

    let u = btf.get_as::<Union>(k.un).unwrap();
    assert_eq!((u.size(), u.len()), (4, 2));
    assert!(u.members().all(|m| m.bit_offset() == 0));

    let e = btf.find_enum("en").unwrap();
    assert_eq!(e.id(), k.en);
    assert!(e.is_signed());
    let vals: Vec<_> = e.values().map(|v| (v.name(), v.value())).collect();
    assert_eq!(
        vals,
        [
            (Some("NEG"), EnumeratorValue::Signed(-2)),
            (Some("POS"), EnumeratorValue::Signed(7))
        ]
    );
    assert_eq!(e.value("NEG").unwrap().as_u64(), (-2i64) as u64);
    let e64 = btf.get_as::<Enum64>(k.en64).unwrap();
    assert!(!e64.is_signed());
    let v = e64.value("BIG").unwrap();
    assert_eq!(v.value(), EnumeratorValue::Unsigned(u64::MAX - 1));
    assert_eq!(v.as_i64(), -2);
    assert_eq!(v.value().to_string(), (u64::MAX - 1).to_string());

    assert!(btf.get_as::<Fwd>(k.fwd_s).unwrap().is_struct());
    assert!(btf.get_as::<Fwd>(k.fwd_u).unwrap().is_union());

    let td = btf.find_typedef("td").unwrap();
    assert_eq!((td.id(), td.type_id()), (k.td, k.int));
    assert_eq!(btf.get_as::<Volatile>(k.vol).unwrap().type_id(), k.td);
    assert_eq!(btf.get_as::<Const>(k.cst).unwrap().type_id(), k.vol);
    assert_eq!(btf.get_as::<Restrict>(k.res).unwrap().type_id(), k.ptr);

    let f = btf.find_func("f").unwrap();
    assert_eq!(
        (f.id(), f.linkage(), f.proto_id()),
        (k.func, Linkage::Extern, k.proto)
    );
    let proto = f.proto().unwrap();
    assert_eq!(proto.id(), k.proto);
    assert_eq!(proto.return_type_id(), k.int);
    assert_eq!(proto.len(), 2);
    assert!(proto.is_variadic());
    let params: Vec<_> = proto
        .params()
        .map(|p| (p.name(), p.type_id(), p.is_variadic()))
        .collect();
    assert_eq!(params, [(Some("x"), k.ptr, false), (None, 0, true)]);
    assert!(matches!(
        proto.params().nth(1).unwrap().ty().unwrap(),
        Type::Void
    ));

    let var = btf.find_var("v").unwrap();
    assert_eq!(
        (var.id(), var.linkage(), var.type_id()),
        (k.var, Linkage::Static, k.int)
    );
    let sec = btf.find_datasec(".data").unwrap();
    assert_eq!((sec.id(), sec.size(), sec.len()), (k.sec, 8, 1));
    let entry = sec.vars().next().unwrap();
    assert_eq!(
        (entry.type_id(), entry.offset(), entry.size()),
        (k.var, 4, 4)
    );
    assert!(matches!(entry.ty().unwrap(), Type::Var(_)));

    assert_eq!(btf.get_as::<Float>(k.flt).unwrap().size(), 8);
    let dt = btf.get_as::<DeclTag>(k.dtag).unwrap();
    assert_eq!(
        (dt.name(), dt.type_id(), dt.component_idx()),
        (Some("tag"), k.st, Some(1))
    );
    assert!(!dt.is_attr());
    let tt = btf.get_as::<TypeTag>(k.ttag).unwrap();
    assert_eq!(
        (tt.name(), tt.type_id(), tt.is_attr()),
        (Some("user"), k.int, false)
    );

    // Every id maps to the variant of its kind, and Type's common accessors agree with TypeRef.
    for t in btf.iter_types() {
        let r = btf.type_by_id(t.id()).unwrap();
        assert_eq!(t.kind(), r.kind());
        assert_eq!(t.name_bytes(), btf.name_of(&r));
        assert_eq!(t.raw().words(), r.words());
        assert_eq!(t, btf.get(t.id()).unwrap());
        assert!(
            t.to_string()
                .starts_with(&format!("[{}] {}", t.id(), t.kind_name()))
        );
    }
    assert_eq!(btf.get(0).unwrap().to_string(), "[0] VOID");
    assert_eq!(btf.get(k.st).unwrap().size(), Some(16));
    assert_eq!(btf.get(k.ptr).unwrap().size(), None);
    assert_eq!(btf.get(k.arr).unwrap().ref_type_id(), Some(k.int));
    assert_eq!(btf.get(k.func).unwrap().ref_type_id(), Some(k.proto));
}

#[test]
fn resolve_goes_through_aliases_only() {
    let k = all_kinds();
    let btf = &k.btf;
    // const -> volatile -> typedef -> int
    assert_eq!(btf.resolve(k.cst).unwrap().id(), k.int);
    // type tag -> int
    assert_eq!(btf.resolve(k.ttag).unwrap().id(), k.int);
    // restrict -> ptr: stops at the pointer.
    assert!(matches!(btf.resolve(k.res).unwrap(), Type::Ptr(_)));
    assert!(matches!(btf.resolve(0).unwrap(), Type::Void));
    let p = btf.get_as::<Ptr>(k.res).map(|_| ()).unwrap_err();
    assert!(p.message().contains("RESTRICT"), "{p}");
    let pr = btf.get_as::<Restrict>(k.res).unwrap().ty().unwrap();
    assert_eq!(
        pr.downcast::<Ptr>()
            .unwrap()
            .pointee_resolved()
            .unwrap()
            .id(),
        k.int
    );
}

#[test]
fn resolve_loops_and_long_chains_are_bounded() {
    let mut b = Btf::new_empty();
    // typedef a -> b, typedef b -> a: a loop.
    let a = b.add_typedef("a", 2).unwrap();
    let bb = b.add_typedef("b", a).unwrap();
    assert_eq!((a, bb), (1, 2));
    let e = b.resolve(a).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message().contains("loop"), "{e}");
    // A type that refers to itself.
    let me = b.add_const(3).unwrap();
    assert!(b.resolve(me).is_err());
    // Exactly MAX_RESOLVE_DEPTH modifiers resolve; one more is refused.
    let int = b.add_int("int", 4, 0).unwrap();
    let mut top = int;
    for _ in 0..MAX_RESOLVE_DEPTH {
        top = b.add_const(top).unwrap();
    }
    assert_eq!(b.resolve(top).unwrap().id(), int);
    let over = b.add_volatile(top).unwrap();
    assert!(b.resolve(over).is_err());
    // Anonymous-member search over a self-containing struct terminates.
    let s = b.add_struct("self", 4).unwrap();
    b.add_field("", s, 0, 0).unwrap();
    assert!(b.get_as::<Struct>(s).unwrap().find_member("x").is_none());
}

#[test]
fn missing_ids_are_errors_not_panics() {
    let mut b = Btf::new_empty();
    let s = b.add_struct("s", 8).unwrap();
    b.add_field("dangling", 999, 0, 0).unwrap();
    let p = b.add_ptr(1000).unwrap();
    let f = b.add_func("f", FUNC_STATIC, s).unwrap();
    let e = b.get(b.type_cnt()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(b.get(u32::MAX).is_err());
    let m = b.get_as::<Struct>(s).unwrap().members().next().unwrap();
    assert_eq!(m.ty().unwrap_err().kind(), ErrorKind::NotFound);
    assert!(b.get_as::<Ptr>(p).unwrap().pointee().is_err());
    assert!(b.resolve(p).is_ok());
    // A FUNC whose "prototype" is a struct.
    assert!(b.get_as::<Func>(f).unwrap().proto().is_err());
    assert!(b.find_struct("").is_none());
    assert!(b.find_type("").is_none());
    assert!(b.find_struct("missing").is_none());
    // A name of another kind is not found as a struct.
    assert!(b.find_func("s").is_none());
    assert!(b.find_type("s").is_some());
}

#[test]
fn names_that_are_not_utf8() {
    let mut b = Btf::new_empty();
    let int = b.add_int(b"\xffint", 4, 0).unwrap();
    let s = b.add_struct(b"bad\xfe", 4).unwrap();
    b.add_field(b"m\xc3", int, 0, 0).unwrap();
    let t = b.get(s).unwrap();
    assert_eq!(t.name(), None);
    assert_eq!(t.name_bytes(), b"bad\xfe");
    let st = t.downcast::<Struct>().unwrap();
    assert!(!st.is_anonymous());
    assert_eq!(st.name_bytes(), b"bad\xfe");
    let m = st.members().next().unwrap();
    assert_eq!(
        (m.name(), m.name_bytes(), m.is_anonymous()),
        (None, &b"m\xc3"[..], false)
    );
    assert_eq!(m.ty().unwrap().name_bytes(), b"\xffint");
    assert_eq!(t.to_string(), format!("[{s}] STRUCT 'bad\u{fffd}'"));
    // A struct is found only by a &str name, so one that is not UTF-8 is reached by id or scan.
    assert_eq!(
        b.structs().filter(|s| s.name_bytes() == b"bad\xfe").count(),
        1
    );
}

#[test]
fn split_btf_resolves_through_its_base() {
    let mut base = Btf::new_empty();
    let int = base.add_int("int", 4, INT_SIGNED as i32).unwrap();
    let task = base.add_struct("task", 4).unwrap();
    base.add_field("pid", int, 0, 0).unwrap();
    let base = Arc::new(base);

    let mut split = Btf::new_empty_split(base.clone());
    let ptr = split.add_ptr(task).unwrap();
    let m = split.add_struct("module", 16).unwrap();
    split.add_field("owner", ptr, 0, 0).unwrap();
    split.add_field("refs", int, 64, 0).unwrap();
    assert_eq!((ptr, m), (3, 4));

    // Base ids and names through the split.
    let t = split.find_struct("task").unwrap();
    assert_eq!(t.id(), task);
    assert_eq!(t.member("pid").unwrap().ty().unwrap().name(), Some("int"));
    let module = split.find_struct("module").unwrap();
    let owner = module.member("owner").unwrap();
    let pointee = owner
        .ty()
        .unwrap()
        .downcast::<Ptr>()
        .unwrap()
        .pointee()
        .unwrap();
    assert_eq!(pointee.name(), Some("task"));
    assert_eq!(split.get(int).unwrap().name(), Some("int"));

    // Whole chain in id order, or only the split's own types.
    let ids: Vec<u32> = split.iter_types().map(|t| t.id()).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    assert_eq!(split.iter_types().len(), 4);
    let own: Vec<u32> = split.iter_own_types().map(|t| t.id()).collect();
    assert_eq!(own, [3, 4]);
    let names: Vec<_> = split.structs().map(|s| s.name()).collect();
    assert_eq!(names, [Some("task"), Some("module")]);
    // Views read through the split object, wherever the record lives.
    assert!(std::ptr::eq(
        split.get(task).unwrap().btf().unwrap(),
        &split
    ));

    // Split over split: three layers.
    let split = Arc::new(split);
    let mut top = Btf::new_empty_split(split.clone());
    let arr = top.add_array(int, int, 2).unwrap();
    let ids: Vec<u32> = top.iter_types().map(|t| t.id()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(arr, 5);
    let mut it = top.iter_types();
    assert_eq!(it.len(), 5);
    it.next();
    assert_eq!(it.len(), 4);
    assert_eq!(
        top.iter_own_types().map(|t| t.id()).collect::<Vec<_>>(),
        [5]
    );
    assert_eq!(top.find_struct("module").unwrap().id(), m);
}

#[test]
fn empty_btf_and_empty_split_iterate_nothing() {
    let base = Arc::new(Btf::new_empty());
    assert_eq!(base.iter_types().count(), 0);
    let split = Btf::new_empty_split(base);
    assert_eq!(split.iter_types().count(), 0);
    assert_eq!(split.iter_own_types().count(), 0);
}

#[test]
fn find_member_descends_into_anonymous_members() {
    let btf = small();
    let thing = btf.find_struct("thing").unwrap();
    // `anon` is a named member whose type is an anonymous struct: not descended into.
    assert!(thing.find_member("a").is_none());
    let (m, off) = thing.find_member("mode").unwrap();
    assert_eq!((off, m.bitfield_size()), (163, Some(5)));

    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 0).unwrap();
    let inner = b.add_struct("", 8).unwrap();
    b.add_field("x", int, 0, 0).unwrap();
    b.add_field("y", int, 32, 0).unwrap();
    let td = b.add_typedef("inner_t", inner).unwrap();
    let mid = b.add_union("", 8).unwrap();
    b.add_field("", td, 0, 0).unwrap();
    let outer = b.add_struct("outer", 16).unwrap();
    b.add_field("head", int, 0, 0).unwrap();
    b.add_field("", mid, 64, 0).unwrap();
    let s = b.get_as::<Struct>(outer).unwrap();
    let (y, off) = s.find_member("y").unwrap();
    assert_eq!((y.name(), off), (Some("y"), 96));
}

#[test]
fn small_btf_agrees_with_the_raw_views() {
    let btf = small();
    let mut members = 0;
    for t in btf.iter_types() {
        let r = btf.type_by_id(t.id()).unwrap();
        let typed: Vec<(Vec<u8>, u32, u32, u32)> = match t {
            Type::Struct(s) => s
                .members()
                .map(|m| {
                    let bits = m.bitfield_size().unwrap_or(0);
                    (m.name_bytes().to_vec(), m.type_id(), m.bit_offset(), bits)
                })
                .collect(),
            Type::Union(u) => u
                .members()
                .map(|m| {
                    let bits = m.bitfield_size().unwrap_or(0);
                    (m.name_bytes().to_vec(), m.type_id(), m.bit_offset(), bits)
                })
                .collect(),
            _ => continue,
        };
        let raw: Vec<_> = r
            .members()
            .map(|m| {
                let name = btf.str_bytes(m.name_off).unwrap().to_vec();
                (name, m.type_id, m.bit_offset(), m.bitfield_size())
            })
            .collect();
        assert_eq!(typed, raw, "{t}");
        members += typed.len();
    }
    assert_eq!(members, 2 + 4 + 2 + 2 + 12);
    let color = btf.find_enum("color").unwrap();
    let vals: Vec<i64> = color.values().map(|v| v.as_i64()).collect();
    assert_eq!(vals, [0, 5, -1]);
    let cb = btf.find_typedef("cb_t").unwrap();
    let proto = cb
        .ty()
        .unwrap()
        .downcast::<Ptr>()
        .unwrap()
        .pointee()
        .unwrap();
    let proto = proto.downcast::<FuncProto>().unwrap();
    assert_eq!(proto.len(), 2);
    assert!(!proto.is_variadic());
    let u = btf.find_func("use").unwrap();
    assert_eq!(u.linkage(), Linkage::Static);
    assert_eq!(
        u.proto().unwrap().params().next().unwrap().name(),
        Some("t")
    );
    assert_eq!(
        btf.resolve(btf.find_typedef("uint64_t").unwrap().id())
            .unwrap()
            .name(),
        Some("long unsigned int")
    );
    assert!(
        btf.find_type("thing")
            .is_some_and(|t| matches!(t, Type::Struct(_)))
    );
    assert_eq!(btf.unions().count(), 1);
    assert!(btf.types_of::<Enum64>().next().is_none());
}
