#!/usr/bin/env node
console.log("damon-ts");
