;; The simulator's TLB access loop (src/mm/access-loop.ts, loopTlb) in
;; WebAssembly, for bench/tlb-floor.ts: the same model (PTE present/armed test,
;; the truth's per-frame sample stamp, window stamp, positive count and access
;; count, the set-associative TLB with its per-set recency ring and hint slots,
;; the blind-spot stamps, the PMD Accessed bits, one NUMA node's latency), over
;; one chunk of pages, every array at an offset in this module's memory. It has
;; none of V8's per-access typed-array checks, so the bench can tell what the
;; model costs from what JavaScript adds. $tlbOn 0 skips the TLB (the Accessed
;; bit is set at every access, as the simulator's loopNoTlb does). Stops as the
;; simulator's loop does (1 time, 2 outside the chunk, 3 slow page, 4 truth);
;; the ST slots at offset 0 are the simulator's (0 time, 1 done, 2 hits,
;; 3 misses, 4 last tag, 5 exit, 8 hidden, 9 seen).
(module
  (memory (export "mem") 1)
  (func (export "loopTlb")
    (param $i i32) (param $n i32)
    (param $A i32) (param $W i32) (param $F i32) (param $FR i32)
    (param $TS i32) (param $TW i32) (param $TP i32) (param $TC i32)
    (param $TG i32) (param $TL i32) (param $CS i32) (param $PM i32)
    (param $vs f64) (param $ve f64) (param $vsLow i32)
    (param $curS i32) (param $curW i32) (param $asidHash i32) (param $clrCur i32)
    (param $headOff i32) (param $ways i32) (param $setMask i32) (param $hintOff i32) (param $hintMask i32)
    (param $walkNs f64) (param $lat0 f64) (param $limit f64) (param $asidTag f64) (param $tlbOn i32)
    (result i32)
    (local $t f64) (local $vpn f64) (local $idx i32) (local $f i32) (local $pfn i32)
    (local $tag f64) (local $lastTag f64) (local $x i32) (local $set i32) (local $hs i32) (local $hd i32)
    (local $hp i32) (local $hv i32) (local $e i32) (local $b i32) (local $w i32)
    (local $hits i32) (local $misses i32) (local $hidden i32) (local $seen i32)
    (local $last i32) (local $p i32) (local $nx i32) (local $pi i32) (local $lastPmd i32)
    (local $exit i32) (local $clrSeen i32) (local $a i32) (local $i0 i32)
    (local.set $t (f64.load (i32.const 0)))
    (local.set $lastTag (f64.load (i32.const 32)))
    (local.set $clrSeen (i32.add (local.get $clrCur) (i32.const 1)))
    (local.set $lastPmd (i32.const -1))
    (local.set $i0 (local.get $i))
    (block $out
      (loop $L
        (br_if $out (i32.ge_s (local.get $i) (local.get $n)))
        (if (f64.ge (local.get $t) (local.get $limit))
          (then (local.set $exit (i32.const 1)) (br $out)))
        (local.set $vpn (f64.floor (f64.mul (f64.load (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 3)))) (f64.const 0.000244140625))))
        (if (i32.eqz (i32.and (f64.ge (local.get $vpn) (local.get $vs)) (f64.lt (local.get $vpn) (local.get $ve))))
          (then (local.set $exit (i32.const 2)) (br $out)))
        (local.set $idx (i32.trunc_f64_s (f64.sub (local.get $vpn) (local.get $vs))))
        (local.set $f (i32.load8_u (i32.add (local.get $F) (local.get $idx))))
        (if (i32.ne (i32.and (local.get $f) (i32.const 9)) (i32.const 1))
          (then (local.set $exit (i32.const 3)) (br $out)))
        (local.set $pfn (i32.load (i32.add (local.get $FR) (i32.shl (local.get $idx) (i32.const 2)))))
        (if (i32.ne (i32.load (i32.add (local.get $TS) (i32.shl (local.get $pfn) (i32.const 2)))) (local.get $curS))
          (then
            (if (i32.ne (i32.load (i32.add (local.get $TW) (i32.shl (local.get $pfn) (i32.const 2)))) (local.get $curW))
              (then (local.set $exit (i32.const 4)) (br $out)))
            (i32.store (i32.add (local.get $TS) (i32.shl (local.get $pfn) (i32.const 2))) (local.get $curS))
            (local.set $a (i32.add (local.get $TP) (i32.shl (local.get $pfn) (i32.const 1))))
            (i32.store16 (local.get $a) (i32.add (i32.load16_u (local.get $a)) (i32.const 1)))))
        (local.set $tag (f64.add (local.get $asidTag) (local.get $vpn)))
        (if (i32.eqz (local.get $tlbOn))
          (then
            ;; No TLB model: every access walks, sets Accessed and the PMD's bit.
            (local.set $f (i32.or (local.get $f) (i32.const 2)))
            (local.set $pi (i32.and (i32.shr_u (i32.add (local.get $vsLow) (local.get $idx)) (i32.const 9)) (i32.const 511)))
            (if (i32.ne (local.get $pi) (local.get $lastPmd))
              (then (i32.store8 (i32.add (local.get $PM) (local.get $pi)) (i32.const 1)) (local.set $lastPmd (local.get $pi)))))
        (else
        (if (f64.ne (local.get $tag) (local.get $lastTag))
          (then
            (local.set $x (i32.xor (i32.add (local.get $vsLow) (local.get $idx)) (local.get $asidHash)))
            (local.set $set (i32.and (local.get $x) (local.get $setMask)))
            (local.set $hs (i32.add (local.get $headOff) (local.get $set)))
            (local.set $hd (i32.load (i32.add (local.get $TL) (i32.shl (local.get $hs) (i32.const 2)))))
            (local.set $hp (i32.add (local.get $hintOff) (i32.and (local.get $x) (local.get $hintMask))))
            (local.set $hv (i32.load (i32.add (local.get $TL) (i32.shl (local.get $hp) (i32.const 2)))))
            (local.set $e (i32.const -1))
            (if (i32.ge_s (local.get $hv) (i32.const 65536))
              (then
                (local.set $e (i32.and (local.get $hv) (i32.const 65535)))
                (if (f64.ne (f64.load (i32.add (local.get $TG) (i32.shl (local.get $e) (i32.const 3)))) (local.get $tag))
                  (then
                    (local.set $b (i32.mul (local.get $set) (local.get $ways)))
                    (local.set $e (i32.const -1))
                    (local.set $w (i32.const 0))
                    (block $sd (loop $sl
                      (br_if $sd (i32.ge_s (local.get $w) (local.get $ways)))
                      (if (f64.eq (f64.load (i32.add (local.get $TG) (i32.shl (i32.add (local.get $b) (local.get $w)) (i32.const 3)))) (local.get $tag))
                        (then
                          (local.set $e (i32.add (local.get $b) (local.get $w)))
                          (i32.store (i32.add (local.get $TL) (i32.shl (local.get $hp) (i32.const 2)))
                            (i32.or (i32.and (local.get $hv) (i32.const -65536)) (local.get $e)))
                          (br $sd)))
                      (local.set $w (i32.add (local.get $w) (i32.const 1)))
                      (br $sl)))))))
            (if (i32.ge_s (local.get $e) (i32.const 0))
              (then
                (local.set $hits (i32.add (local.get $hits) (i32.const 1)))
                (if (i32.eqz (i32.and (local.get $f) (i32.const 2)))
                  (then
                    (local.set $a (i32.add (local.get $CS) (i32.shl (local.get $pfn) (i32.const 2))))
                    (if (i32.and (i32.ne (i32.load (local.get $a)) (local.get $clrCur)) (i32.ne (i32.load (local.get $a)) (local.get $clrSeen)))
                      (then (i32.store (local.get $a) (local.get $clrCur)) (local.set $hidden (i32.add (local.get $hidden) (i32.const 1)))))))
                (if (i32.ne (local.get $e) (local.get $hd))
                  (then
                    (local.set $last (i32.load (i32.add (local.get $TL) (i32.shl (local.get $hd) (i32.const 4)))))
                    (if (i32.ne (local.get $last) (local.get $e))
                      (then
                        (local.set $p (i32.load (i32.add (local.get $TL) (i32.shl (local.get $e) (i32.const 4)))))
                        (local.set $nx (i32.load offset=4 (i32.add (local.get $TL) (i32.shl (local.get $e) (i32.const 4)))))
                        (i32.store offset=4 (i32.add (local.get $TL) (i32.shl (local.get $p) (i32.const 4))) (local.get $nx))
                        (i32.store (i32.add (local.get $TL) (i32.shl (local.get $nx) (i32.const 4))) (local.get $p))
                        (i32.store offset=4 (i32.add (local.get $TL) (i32.shl (local.get $last) (i32.const 4))) (local.get $e))
                        (i32.store (i32.add (local.get $TL) (i32.shl (local.get $e) (i32.const 4))) (local.get $last))
                        (i32.store offset=4 (i32.add (local.get $TL) (i32.shl (local.get $e) (i32.const 4))) (local.get $hd))
                        (i32.store (i32.add (local.get $TL) (i32.shl (local.get $hd) (i32.const 4))) (local.get $e))))
                    (i32.store (i32.add (local.get $TL) (i32.shl (local.get $hs) (i32.const 2))) (local.get $e)))))
              (else
                (local.set $e (i32.load (i32.add (local.get $TL) (i32.shl (local.get $hd) (i32.const 4)))))
                (local.set $a (i32.add (local.get $TL) (i32.shl (i32.load offset=8 (i32.add (local.get $TL) (i32.shl (local.get $e) (i32.const 4)))) (i32.const 2))))
                (i32.store (local.get $a) (i32.sub (i32.load (local.get $a)) (i32.const 65536)))
                (f64.store (i32.add (local.get $TG) (i32.shl (local.get $e) (i32.const 3))) (local.get $tag))
                (i32.store offset=8 (i32.add (local.get $TL) (i32.shl (local.get $e) (i32.const 4))) (local.get $hp))
                (i32.store (i32.add (local.get $TL) (i32.shl (local.get $hp) (i32.const 2)))
                  (i32.or (i32.add (i32.and (local.get $hv) (i32.const -65536)) (i32.const 65536)) (local.get $e)))
                (i32.store (i32.add (local.get $TL) (i32.shl (local.get $hs) (i32.const 2))) (local.get $e))
                (local.set $misses (i32.add (local.get $misses) (i32.const 1)))
                (local.set $t (f64.add (local.get $t) (local.get $walkNs)))
                (if (i32.eqz (i32.and (local.get $f) (i32.const 2)))
                  (then
                    (local.set $a (i32.add (local.get $CS) (i32.shl (local.get $pfn) (i32.const 2))))
                    (if (i32.ne (i32.load (local.get $a)) (local.get $clrSeen))
                      (then
                        (if (i32.eq (i32.load (local.get $a)) (local.get $clrCur))
                          (then (local.set $hidden (i32.sub (local.get $hidden) (i32.const 1)))))
                        (i32.store (local.get $a) (local.get $clrSeen))
                        (local.set $seen (i32.add (local.get $seen) (i32.const 1)))))))
                (local.set $f (i32.or (local.get $f) (i32.const 2)))
                (local.set $pi (i32.and (i32.shr_u (i32.add (local.get $vsLow) (local.get $idx)) (i32.const 9)) (i32.const 511)))
                (if (i32.ne (local.get $pi) (local.get $lastPmd))
                  (then (i32.store8 (i32.add (local.get $PM) (local.get $pi)) (i32.const 1)) (local.set $lastPmd (local.get $pi))))))
            (local.set $lastTag (local.get $tag)))
          (else (local.set $hits (i32.add (local.get $hits) (i32.const 1)))))))
        (i32.store8 (i32.add (local.get $F) (local.get $idx))
          (i32.or (local.get $f) (i32.shl (i32.load8_u (i32.add (local.get $W) (local.get $i))) (i32.const 2))))
        (local.set $t (f64.add (local.get $t) (local.get $lat0)))
        (local.set $a (i32.add (local.get $TC) (i32.shl (local.get $pfn) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $L)))
    (f64.store (i32.const 0) (local.get $t))
    (f64.store (i32.const 8) (f64.add (f64.load (i32.const 8)) (f64.convert_i32_s (i32.sub (local.get $i) (local.get $i0)))))
    (f64.store (i32.const 16) (f64.add (f64.load (i32.const 16)) (f64.convert_i32_s (local.get $hits))))
    (f64.store (i32.const 24) (f64.add (f64.load (i32.const 24)) (f64.convert_i32_s (local.get $misses))))
    (f64.store (i32.const 32) (local.get $lastTag))
    (f64.store (i32.const 40) (f64.convert_i32_s (local.get $exit)))
    (f64.store (i32.const 64) (f64.add (f64.load (i32.const 64)) (f64.convert_i32_s (local.get $hidden))))
    (f64.store (i32.const 72) (f64.add (f64.load (i32.const 72)) (f64.convert_i32_s (local.get $seen))))
    (local.get $i))
)
