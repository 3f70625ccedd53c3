//! The ten largest named structs of the running kernel's BTF, or of the BTF file given as the
//! first argument: the btf-core twin of `examples/largest_structs.c`, with the same output bytes.
//!
//! ```sh
//! cargo run -p btf-core --example largest_structs            # /sys/kernel/btf/vmlinux
//! cargo run -p btf-core --example largest_structs -- FILE    # raw BTF, ELF with .BTF, .ko(.xz|.zst|.gz)
//! ```

use std::io::Write;
use std::process::ExitCode;

use btf_core::{Btf, Kind};

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";
const TOP: usize = 10;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() > 2 {
        eprintln!("usage: {} [BTF-FILE]", args[0]);
        return ExitCode::from(2);
    }
    let (path, source) = match args.get(1) {
        Some(file) => (file.as_str(), file.as_str()),
        None => (VMLINUX, "the running kernel"),
    };
    let btf = match Btf::parse_file(path, None) {
        Ok(btf) => btf,
        Err(e) => {
            eprintln!("{}: cannot load BTF of {source}: {e}", args[0]);
            return ExitCode::FAILURE;
        }
    };

    // (size, id) of every named struct whose size resolves.
    let mut structs: Vec<(u64, u32)> = btf
        .types()
        .filter(|t| t.is(Kind::Struct) && !btf.name_of(t).is_empty())
        .filter_map(|t| Some((btf.resolve_size(t.id()).ok()?, t.id())))
        .collect();
    // Largest first; equal sizes in type id order.
    structs.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

    let mut out = std::io::stdout().lock();
    let mut print = || -> std::io::Result<()> {
        writeln!(
            out,
            "ten largest of {} named structs in {source} ({} types)",
            structs.len(),
            btf.type_cnt() - 1
        )?;
        for (rank, &(size, id)) in structs.iter().take(TOP).enumerate() {
            let name = btf.type_by_id(id).map_or(&b""[..], |t| btf.name_of(&t));
            write!(out, "{:2}. {size:9} bytes  struct ", rank + 1)?;
            out.write_all(name)?; // the name's bytes as they are, as C's %s prints them
            writeln!(out, "  [{id}]")?;
        }
        out.flush()
    };
    match print() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", args[0]);
            ExitCode::FAILURE
        }
    }
}
