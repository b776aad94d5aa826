import { spawn } from "node:child_process";
import { PerfFaultSource } from "./src/live/perf-source.ts";
for (const rep of [0, 1]) {
const child = spawn("sh", ["-c", 'kill -STOP $$; exec "$@"', "x", "/tmp/two", "/tmp/x.out", "3", "8"], { stdio: "inherit" });
await new Promise((r) => setTimeout(r, 100));
const counts = new Map<number, number>();
const perf = new PerfFaultSource({ pid: child.pid!, onSample: (t, a, tid) => { counts.set(tid, (counts.get(tid) ?? 0) + 1); } });
while (!perf.attached()) await new Promise((r) => setTimeout(r, 5));
child.kill("SIGCONT");
await new Promise((r) => child.on("exit", r));
await new Promise((r) => setTimeout(r, 1000));
perf.stop(); await perf.done;
console.log(process.env.PERF_ARGS, [...counts.entries()]);
}
