//! Compiles the one piece of C the library needs: calling the user's `va_list` callbacks (the
//! print callback of `libbpf_set_print`, the printf callback of `btf_dump`).

fn main() {
    println!("cargo:rerun-if-changed=src/print_trampoline.c");
    cc::Build::new()
        .file("src/print_trampoline.c")
        .warnings(true)
        .extra_warnings(true)
        .compile("btf_print_trampoline");
}
