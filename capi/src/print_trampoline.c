/* Calling a libbpf_print_fn_t needs a va_list, which stable Rust cannot build: these two helpers
 * make one. libbtf_print_default is the callback in force until libbpf_set_print changes it. */
#include <stdarg.h>
#include <stdio.h>

typedef int (*libbtf_print_fn)(int level, const char *format, va_list args);

enum { LIBBTF_DEBUG = 2 };

int libbtf_print_default(int level, const char *format, va_list args)
{
	if (level == LIBBTF_DEBUG)
		return 0;
	return vfprintf(stderr, format, args);
}

static int call_with_args(libbtf_print_fn fn, int level, const char *format, ...)
{
	va_list args;
	int ret;

	va_start(args, format);
	ret = fn(level, format, args);
	va_end(args);
	return ret;
}

int libbtf_print_message(libbtf_print_fn fn, int level, const char *message)
{
	return call_with_args(fn, level, "%s", message);
}

/* btf_dump's printf callback, `void (*)(void *ctx, const char *fmt, va_list args)`: called with
 * "%s" and one piece of the dump. */
typedef void (*libbtf_dump_printf_fn)(void *ctx, const char *format, va_list args);

static void call_dump_with_args(libbtf_dump_printf_fn fn, void *ctx, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	fn(ctx, format, args);
	va_end(args);
}

void libbtf_dump_print(libbtf_dump_printf_fn fn, void *ctx, const char *text)
{
	call_dump_with_args(fn, ctx, "%s", text);
}
