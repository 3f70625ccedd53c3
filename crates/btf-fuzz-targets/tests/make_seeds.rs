//! Writes the committed seed corpora `fuzz/seeds/<target>/` from test-data/ and fuzz/data/ (not a
//! test: `cargo test -p btf-fuzz-targets --test make_seeds -- --ignored` regenerates them).
//! Every seed is a few KB at most; the whole set stays well under 1 MB.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use btf_core::{Btf, BtfExt, Endianness, elf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn put(target: &str, name: &str, data: &[u8]) {
    let dir = root().join("fuzz/seeds").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), data).unwrap();
}

fn big(btf: &Btf) -> Vec<u8> {
    btf.raw_data_in(Endianness::Big).into_owned()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The `co_re` target's second input form: `u16 n | n bytes of raw BTF | 16-byte records`.
fn core_records(btf: &[u8], ext: &BtfExt) -> Vec<u8> {
    let mut out = (btf.len() as u16).to_le_bytes().to_vec();
    out.extend_from_slice(btf);
    for sec in ext.core_relo() {
        for r in sec.records() {
            for w in [r.insn_off, r.type_id, r.access_str_off, r.kind] {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
    }
    out
}

#[test]
#[ignore = "writes fuzz/seeds/"]
fn make_seeds() {
    let small = read("test-data/small.btf");
    let small_btf = Arc::new(Btf::from_bytes(&small).unwrap());
    let distilled_o = read("test-data/mod-distilled.o");
    let resilient_o = read("test-data/mod-resilient.o");
    let local_o = read("fuzz/data/core-local.o");
    let local_eb_o = read("fuzz/data/core-local.bpfeb.o");
    let target_o = read("fuzz/data/core-target.o");

    // mod-distilled.o holds `.BTF.base` = small.btf and `.BTF` = pahole's mod-split.btf over it.
    let secs = elf::elf_sections(&distilled_o).unwrap();
    let mod_split = secs.btf.unwrap().to_vec();
    let split = Btf::from_bytes_split(&mod_split, Arc::clone(&small_btf)).unwrap();
    let local = Btf::parse_elf_bytes(&local_o, None).unwrap();
    let local_btf = local.btf.raw_data().into_owned();
    let local_ext = local.ext.clone().unwrap();
    let local_eb = Btf::parse_elf_bytes(&local_eb_o, None).unwrap();
    let local_eb_ext = local_eb.ext.clone().unwrap();
    let target_btf = Btf::parse_elf_bytes(&target_o, None)
        .unwrap()
        .btf
        .raw_data()
        .into_owned();
    // Duplicates for dedup: small.btf twice in one object.
    let mut twice = Btf::new_empty();
    twice.add_btf(&small_btf).unwrap();
    twice.add_btf(&small_btf).unwrap();
    let twice = twice.raw_data().into_owned();

    for t in ["parse_raw", "diff_parse", "capi"] {
        put(t, "small.btf", &small);
        put(t, "small-be.btf", &big(&small_btf));
        put(t, "core-local.btf", &local_btf);
        put(t, "core-target.btf", &target_btf);
    }
    for t in [
        "parse_split",
        "diff_parse",
        "distill_relocate",
        "diff_distill",
        "capi",
    ] {
        put(t, "mod-split.btf", &mod_split);
    }
    put("parse_split", "mod-split-be.btf", &big(&split));
    for t in ["elf", "validate"] {
        put(t, "core-local.o", &local_o);
        put(t, "core-local.bpfeb.o", &local_eb_o);
        put(t, "core-target.o", &target_o);
        put(
            t,
            "core-target.o.zst",
            &zstd::encode_all(&target_o[..], 3).unwrap(),
        );
        put(t, "core-target.o.gz", &gz(&target_o));
        put(t, "core-target.o.xz", &xz(&target_o));
        put(t, "mod-distilled.o", &distilled_o);
        put(t, "mod-resilient.o", &resilient_o);
    }
    for t in ["btf_ext", "capi"] {
        put(t, "core-local.BTF.ext", local.ext.as_deref().unwrap());
        put(
            t,
            "core-local.bpfeb.BTF.ext",
            local_eb.ext.as_deref().unwrap(),
        );
    }
    for t in ["dedup", "diff_dedup"] {
        put(t, "small.btf", &small);
        put(t, "small-twice.btf", &twice);
        put(t, "mod-split.btf", &mod_split);
        put(t, "core-local.btf", &local_btf);
    }
    for t in ["c_dump", "diff_c_dump", "validate"] {
        put(t, "small.btf", &small);
        put(t, "core-local.btf", &local_btf);
        put(t, "core-target.btf", &target_btf);
        put(t, "mod-split.btf", &mod_split);
    }
    put("co_re", "core-local.o", &local_o);
    put("co_re", "core-local.bpfeb.o", &local_eb_o);
    let local_ext = BtfExt::parse(&local_ext).unwrap();
    let local_eb_ext = BtfExt::parse(&local_eb_ext).unwrap();
    put(
        "co_re",
        "core-local.records",
        &core_records(&local_btf, &local_ext),
    );
    put(
        "co_re",
        "core-local.bpfeb.records",
        &core_records(&local_eb.btf.raw_data_in(Endianness::Little), &local_eb_ext),
    );
    // Writer: call sequences are decoded from any bytes; a few fixed pseudo-random ones.
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..4 {
        let bytes: Vec<u8> = (0..64 + 96 * i)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s as u8
            })
            .collect();
        put("writer", &format!("random-{i}"), &bytes);
    }
}
