//! The C-visible layouts and spellings libbpf 1.7.0 fixes: the Rust structs C reads or fills have
//! libbpf's sizes and field offsets, and the checked-in header spells the parameter types that
//! cbindgen gets only through the renames in capi/cbindgen.toml as libbpf does (`make
//! header-check` proves the header is current; tests-c/prototypes.c proves the signatures compile
//! against libbpf's, but C treats an enum and `unsigned int` as compatible, so those are checked by
//! text here).

use std::mem::{offset_of, size_of};
use std::path::Path;

use btf::ffi::query::btf_type;
use btf::ffi::write::{btf_dedup_opts, btf_permute_opts};

#[test]
fn struct_layouts_are_libbpfs() {
    assert_eq!(size_of::<btf_type>(), 12);
    assert_eq!(offset_of!(btf_type, name_off), 0);
    assert_eq!(offset_of!(btf_type, info), 4);
    assert_eq!(offset_of!(btf_type, size_or_type), 8);

    assert_eq!(size_of::<btf_permute_opts>(), 16);
    assert_eq!(offset_of!(btf_permute_opts, sz), 0);
    assert_eq!(offset_of!(btf_permute_opts, btf_ext), 8);

    assert_eq!(size_of::<btf_dedup_opts>(), 24);
    assert_eq!(offset_of!(btf_dedup_opts, sz), 0);
    assert_eq!(offset_of!(btf_dedup_opts, btf_ext), 8);
    assert_eq!(offset_of!(btf_dedup_opts, force_collisions), 16);
}

fn header(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../include/bpf")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The header text with runs of whitespace (cbindgen wraps long prototypes) made single spaces.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn header_spells_libbpfs_types() {
    let btf_h = squeezed(&header("btf.h"));
    for decl in [
        "LIBBPF_API enum btf_endianness btf__endianness(const struct btf *btf);",
        "LIBBPF_API int btf__set_endianness(struct btf *btf, enum btf_endianness endian);",
        "LIBBPF_API int btf__add_fwd(struct btf *btf, const char *name, enum btf_fwd_kind fwd_kind);",
        "int btf__add_func(struct btf *btf, const char *name, enum btf_func_linkage linkage, int proto_type_id);",
        "LIBBPF_API __s64 btf__resolve_size(const struct btf *btf, __u32 type_id);",
        "LIBBPF_API int btf__add_enum_value(struct btf *btf, const char *name, __s64 value);",
        "LIBBPF_API int btf__add_enum64_value(struct btf *btf, const char *name, __u64 value);",
        "LIBBPF_API const struct btf_type *btf__type_by_id(const struct btf *btf, __u32 id);",
        "struct btf;",
        "struct btf_ext;",
        "struct btf_permute_opts { ",
        "#define btf_permute_opts__last_field btf_ext",
        "#define btf_dedup_opts__last_field force_collisions",
        "LIBBPF_API int btf__dedup(struct btf *btf, const struct btf_dedup_opts *opts);",
        "#include <linux/btf.h>",
        "#include \"btf_inline.h\"",
        "extern \"C\" {",
    ] {
        assert!(btf_h.contains(decl), "btf.h lacks {decl:?}");
    }
    // Opaque handles are tags, never typedefs; `struct btf_type` is <linux/btf.h>'s, not ours.
    assert!(
        !btf_h.contains("typedef struct"),
        "btf.h has a typedef'd struct"
    );
    assert!(
        !btf_h.contains("struct btf_type {"),
        "btf.h defines struct btf_type"
    );
    assert!(
        !btf_h.contains("int64_t"),
        "btf.h uses <stdint.h> types for libbpf's __s64/__u64"
    );

    let legacy = squeezed(&header("libbpf_legacy.h"));
    assert!(
        legacy.contains("LIBBPF_API int libbpf_set_strict_mode(enum libbpf_strict_mode mode);")
    );
    let libbpf = squeezed(&header("libbpf.h"));
    assert!(
        libbpf.contains("LIBBPF_API libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn_);")
    );
    assert!(libbpf.contains(
        "typedef int (*libbpf_print_fn_t)(enum libbpf_print_level level, const char *, va_list ap);"
    ));
}
