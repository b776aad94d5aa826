/*
 * damontrace: a small Valgrind tool that records every data access of the
 * client program as 16-byte binary records, buffered in 1 MiB chunks, on a
 * file descriptor inherited from the parent (default 3). damon-ts reads the
 * records from that pipe and converts them into its own trace format
 * (docs/trace-format.md describes both the raw records and the trace format).
 *
 * Written for damon-ts from Valgrind's public tool interface headers only.
 *
 * Raw record (little-endian, 16 bytes):
 *   u64 a; u32 clk; u16 size; u8 kind; u8 aux;
 * kinds:
 *   0 READ   a=address, size, clk=low 32 bits of the instruction count
 *   1 WRITE  same
 *   2 THREAD a=OS thread id now running client code, clk=low 32 bits
 *   3 CLOCK  a=full 64-bit instruction count (sync point for clk wrap-around)
 *   4 MAP    a=start, aux=flags (1 r, 2 w, 4 x, 8 file, 16 heap, 32 startup);
 *            followed by one record {u64 len; u32 name_len; u32 0} and then
 *            name_len bytes padded with zeros to a multiple of 16
 *   5 UNMAP  a=start; followed by {u64 len; u32 0; u32 0}
 *   6 PROT   a=start, aux=flags (rwx); followed by {u64 len; u32 0; u32 0}
 *   7 REMAP  a=from; followed by {u64 to; u32 0; u32 0} and {u64 len; ...}
 *   8 STACK  a=stack pointer of the first thread when it first runs
 *   9 END    a=final instruction count; last record of the stream
 */
#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_options.h"
#include "pub_tool_machine.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_mallocfree.h"

/* Core function (not in the tool headers, but in libcoregrind): moves an fd
   into Valgrind's reserved range so the client cannot see or close it. */
extern Int VG_(safe_fd)(Int oldfd);

enum { K_READ = 0, K_WRITE = 1, K_THREAD = 2, K_CLOCK = 3, K_MAP = 4, K_UNMAP = 5,
       K_PROT = 6, K_REMAP = 7, K_STACK = 8, K_END = 9 };

typedef struct {
   ULong a;
   UInt clk;
   UShort size;
   UChar kind;
   UChar aux;
} Rec;

#define BUF_RECS (1 << 16) /* 1 MiB */

static Long clo_out_fd = 3;
static Int out_fd = -1;
static Bool out_broken = False;
static Rec* buf;
static Rec* cur;
static Rec* lim;

/* Instruction count, updated by inline IR at each access and block exit. */
static ULong n_instrs = 0;
static Bool stack_sent = False;

static void write_all(const void* p, Int n)
{
   const UChar* b = p;
   while (n > 0 && !out_broken) {
      Int w = VG_(write)(out_fd, b, n);
      if (w <= 0) {
         out_broken = True;
         VG_(umsg)("damontrace: output fd %d closed; further accesses are dropped\n", out_fd);
         return;
      }
      b += w;
      n -= w;
   }
}

static void flush_buf(void)
{
   if (cur > buf) write_all(buf, (Int)((cur - buf) * sizeof(Rec)));
   cur = buf;
   /* Every buffer starts with the full clock so a reader never has to guess wraps. */
   cur->a = n_instrs; cur->clk = (UInt)n_instrs; cur->size = 0; cur->kind = K_CLOCK; cur->aux = 0;
   cur++;
}

static inline Rec* slot(void)
{
   if (cur == lim) flush_buf();
   return cur++;
}

static void put(ULong a, UInt clk, UShort size, UChar kind, UChar aux)
{
   Rec* r = slot();
   r->a = a; r->clk = clk; r->size = size; r->kind = kind; r->aux = aux;
}

static VG_REGPARM(2) void on_read(Addr a, UWord size)
{
   Rec* r = cur;
   r->a = a; r->clk = (UInt)n_instrs; r->size = (UShort)(size > 0xffff ? 0xffff : size);
   r->kind = K_READ; r->aux = 0;
   if (++cur == lim) flush_buf();
}

static VG_REGPARM(2) void on_write(Addr a, UWord size)
{
   Rec* r = cur;
   r->a = a; r->clk = (UInt)n_instrs; r->size = (UShort)(size > 0xffff ? 0xffff : size);
   r->kind = K_WRITE; r->aux = 0;
   if (++cur == lim) flush_buf();
}

/* ---- memory-map events ---- */

static UChar prot_flags(Bool rr, Bool ww, Bool xx)
{
   return (rr ? 1 : 0) | (ww ? 2 : 0) | (xx ? 4 : 0);
}

static void emit_map(Addr a, SizeT len, UChar flags)
{
   const HChar* name = NULL;
   NSegment const* seg = VG_(am_find_nsegment)(a);
   if (seg && seg->kind == SkFileC) {
      name = VG_(am_get_filename)(seg);
      if (name) flags |= 8;
   }
   UInt nlen = name ? (UInt)VG_(strlen)(name) : 0;
   if (nlen > 4096) nlen = 4096;
   put(a, (UInt)n_instrs, 0, K_MAP, flags);
   put(len, nlen, 0, 0, 0);
   for (UInt off = 0; off < nlen; off += sizeof(Rec)) {
      Rec* r = slot();
      VG_(memset)(r, 0, sizeof(Rec));
      UInt n = nlen - off < sizeof(Rec) ? nlen - off : (UInt)sizeof(Rec);
      VG_(memcpy)(r, name + off, n);
   }
}

static void on_startup(Addr a, SizeT len, Bool rr, Bool ww, Bool xx, ULong di)
{
   emit_map(a, len, prot_flags(rr, ww, xx) | 32);
}

static void on_mmap(Addr a, SizeT len, Bool rr, Bool ww, Bool xx, ULong di)
{
   emit_map(a, len, prot_flags(rr, ww, xx));
}

static void on_brk(Addr a, SizeT len, ThreadId tid)
{
   put(a, (UInt)n_instrs, 0, K_MAP, 1 | 2 | 16);
   put(len, 0, 0, 0, 0);
}

static void on_unmap(Addr a, SizeT len)
{
   put(a, (UInt)n_instrs, 0, K_UNMAP, 0);
   put(len, 0, 0, 0, 0);
}

static void on_mprotect(Addr a, SizeT len, Bool rr, Bool ww, Bool xx)
{
   put(a, (UInt)n_instrs, 0, K_PROT, prot_flags(rr, ww, xx));
   put(len, 0, 0, 0, 0);
}

static void on_remap(Addr from, Addr to, SizeT len)
{
   put(from, (UInt)n_instrs, 0, K_REMAP, 0);
   put(to, 0, 0, 0, 0);
   put(len, 0, 0, 0, 0);
}

static ThreadId last_tid = 0;

static void on_start_client(ThreadId tid, ULong blocks)
{
   if (!stack_sent) {
      stack_sent = True;
      put(VG_(get_SP)(tid), (UInt)n_instrs, 0, K_STACK, 0);
   }
   if (tid != last_tid) {
      last_tid = tid;
      /* Valgrind runs each client thread on its own OS thread, so this is the real tid. */
      put(n_instrs, (UInt)n_instrs, 0, K_CLOCK, 0);
      put((ULong)VG_(gettid)(), (UInt)n_instrs, 0, K_THREAD, 0);
   }
}

/* ---- instrumentation ---- */

static void add_icount(IRSB* sb, UInt* pending)
{
   if (*pending == 0) return;
   IRTemp t1 = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp t2 = newIRTemp(sb->tyenv, Ity_I64);
   IRExpr* where = mkIRExpr_HWord((HWord)&n_instrs);
   addStmtToIRSB(sb, IRStmt_WrTmp(t1, IRExpr_Load(Iend_LE, Ity_I64, where)));
   addStmtToIRSB(sb, IRStmt_WrTmp(t2, IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(t1),
                                                   IRExpr_Const(IRConst_U64(*pending)))));
   addStmtToIRSB(sb, IRStmt_Store(Iend_LE, mkIRExpr_HWord((HWord)&n_instrs), IRExpr_RdTmp(t2)));
   *pending = 0;
}

static void add_access(IRSB* sb, UInt* pending, Bool write, IRExpr* addr, Int size, IRExpr* guard)
{
   add_icount(sb, pending);
   const HChar* nm = write ? "damontrace_on_write" : "damontrace_on_read";
   void* fn = write ? (void*)on_write : (void*)on_read;
   IRExpr** args = mkIRExprVec_2(addr, mkIRExpr_HWord((HWord)size));
   IRDirty* di = unsafeIRDirty_0_N(2, nm, VG_(fnptr_to_fnentry)(fn), args);
   if (guard) di->guard = guard;
   addStmtToIRSB(sb, IRStmt_Dirty(di));
}

static IRSB* dt_instrument(VgCallbackClosure* closure, IRSB* in, const VexGuestLayout* layout,
                           const VexGuestExtents* vge, const VexArchInfo* archinfo,
                           IRType gWordTy, IRType hWordTy)
{
   IRSB* out = deepCopyIRSBExceptStmts(in);
   Int i = 0;
   UInt pending = 0;
   /* Copy the preamble (everything before the first instruction mark) unchanged. */
   while (i < in->stmts_used && in->stmts[i]->tag != Ist_IMark) {
      addStmtToIRSB(out, in->stmts[i]);
      i++;
   }
   for (; i < in->stmts_used; i++) {
      IRStmt* st = in->stmts[i];
      if (!st || st->tag == Ist_NoOp) continue;
      switch (st->tag) {
      case Ist_IMark:
         pending++;
         break;
      case Ist_WrTmp: {
         IRExpr* e = st->Ist.WrTmp.data;
         if (e->tag == Iex_Load)
            add_access(out, &pending, False, e->Iex.Load.addr, sizeofIRType(e->Iex.Load.ty), NULL);
         break;
      }
      case Ist_Store: {
         IRType ty = typeOfIRExpr(in->tyenv, st->Ist.Store.data);
         add_access(out, &pending, True, st->Ist.Store.addr, sizeofIRType(ty), NULL);
         break;
      }
      case Ist_StoreG: {
         IRStoreG* sg = st->Ist.StoreG.details;
         IRType ty = typeOfIRExpr(in->tyenv, sg->data);
         add_access(out, &pending, True, sg->addr, sizeofIRType(ty), sg->guard);
         break;
      }
      case Ist_LoadG: {
         IRLoadG* lg = st->Ist.LoadG.details;
         IRType tres = Ity_INVALID, targ = Ity_INVALID;
         typeOfIRLoadGOp(lg->cvt, &tres, &targ);
         add_access(out, &pending, False, lg->addr, sizeofIRType(targ), lg->guard);
         break;
      }
      case Ist_Dirty: {
         IRDirty* d = st->Ist.Dirty.details;
         if (d->mFx != Ifx_None) {
            if (d->mFx == Ifx_Read || d->mFx == Ifx_Modify)
               add_access(out, &pending, False, d->mAddr, d->mSize, NULL);
            if (d->mFx == Ifx_Write || d->mFx == Ifx_Modify)
               add_access(out, &pending, True, d->mAddr, d->mSize, NULL);
         }
         break;
      }
      case Ist_CAS: {
         IRCAS* cas = st->Ist.CAS.details;
         Int sz = sizeofIRType(typeOfIRExpr(in->tyenv, cas->dataLo));
         if (cas->dataHi) sz *= 2;
         add_access(out, &pending, False, cas->addr, sz, NULL);
         add_access(out, &pending, True, cas->addr, sz, NULL);
         break;
      }
      case Ist_LLSC: {
         if (st->Ist.LLSC.storedata == NULL) {
            IRType ty = typeOfIRTemp(in->tyenv, st->Ist.LLSC.result);
            add_access(out, &pending, False, st->Ist.LLSC.addr, sizeofIRType(ty), NULL);
         } else {
            IRType ty = typeOfIRExpr(in->tyenv, st->Ist.LLSC.storedata);
            add_access(out, &pending, True, st->Ist.LLSC.addr, sizeofIRType(ty), NULL);
         }
         break;
      }
      case Ist_Exit:
         add_icount(out, &pending);
         break;
      default:
         break;
      }
      addStmtToIRSB(out, st);
   }
   add_icount(out, &pending);
   return out;
}

/* ---- lifecycle ---- */

static Bool dt_process_cmd_line_option(const HChar* arg)
{
   if VG_INT_CLO(arg, "--out-fd", clo_out_fd) {}
   else return False;
   return True;
}

static void dt_print_usage(void)
{
   VG_(printf)("    --out-fd=<n>        write binary access records to fd n [3]\n");
}

static void dt_print_debug_usage(void)
{
   VG_(printf)("    (none)\n");
}

static void dt_post_clo_init(void)
{
   out_fd = VG_(safe_fd)((Int)clo_out_fd);
   if (out_fd < 0) {
      VG_(fmsg)("damontrace: cannot use fd %lld for output (is it open?)\n", clo_out_fd);
      VG_(exit)(1);
   }
   buf = VG_(malloc)("damontrace.buf", BUF_RECS * sizeof(Rec));
   lim = buf + BUF_RECS;
   cur = buf;
   flush_buf();
}

/* A forked child runs under Valgrind too (without --trace-children it is still the
   same tool), and it inherits our output fd: it must not write into the parent's
   stream. The parent flushes before the fork so nothing is lost or duplicated. */
static void on_pre_fork(ThreadId tid)
{
   if (cur > buf) write_all(buf, (Int)((cur - buf) * sizeof(Rec)));
   cur = buf;
}

static void on_child_fork(ThreadId tid)
{
   VG_(close)(out_fd);
   out_broken = True;
   cur = buf;
}

static void dt_fini(Int exitcode)
{
   if (out_broken) return;
   put(n_instrs, (UInt)n_instrs, 0, K_END, 0);
   if (cur > buf) write_all(buf, (Int)((cur - buf) * sizeof(Rec)));
   cur = buf;
   VG_(close)(out_fd);
}

static void dt_pre_clo_init(void)
{
   VG_(details_name)("damontrace");
   VG_(details_version)("1");
   VG_(details_description)("damon-ts memory access tracer");
   VG_(details_copyright_author)("damon-ts authors");
   VG_(details_bug_reports_to)("damon-ts issue tracker");
   VG_(details_avg_translation_sizeB)(200);
   VG_(basic_tool_funcs)(dt_post_clo_init, dt_instrument, dt_fini);
   VG_(needs_command_line_options)(dt_process_cmd_line_option, dt_print_usage, dt_print_debug_usage);
   VG_(track_new_mem_startup)(on_startup);
   VG_(track_new_mem_mmap)(on_mmap);
   VG_(track_new_mem_brk)(on_brk);
   VG_(track_die_mem_munmap)(on_unmap);
   VG_(track_die_mem_brk)(on_unmap);
   VG_(track_change_mem_mprotect)(on_mprotect);
   VG_(track_copy_mem_remap)(on_remap);
   VG_(track_start_client_code)(on_start_client);
   VG_(atfork)(on_pre_fork, NULL, on_child_fork);
}

VG_DETERMINE_INTERFACE_VERSION(dt_pre_clo_init)
