"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const path = require("path");
const Module = require("module");
const logic = require("../src/logic");

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));

/** The parts of the `vscode` API activate() touches that a test does not care about. */
function baseVscode(overrides) {
  const disposable = { dispose() {} };
  const base = {
    window: {
      createOutputChannel: () => ({ append() {}, appendLine() {}, show() {}, dispose() {} }),
      createStatusBarItem: () => ({ show() {}, dispose() {} }),
      showWarningMessage() {},
      showErrorMessage: () => Promise.resolve(undefined),
    },
    StatusBarAlignment: { Left: 1 },
    ThemeColor: class {},
    workspace: { getConfiguration: () => ({ get: (key, fallback) => fallback }) },
    commands: { registerCommand: () => disposable },
    debug: {
      registerDebugAdapterDescriptorFactory: () => disposable,
      onDidStartDebugSession: () => disposable,
      onDidTerminateDebugSession: () => disposable,
    },
    tasks: { onDidStartTask: () => disposable, onDidEndTask: () => disposable },
    extensions: { getExtension: () => undefined },
  };
  const merged = { ...base, ...overrides };
  for (const key of ["window", "workspace", "debug", "tasks"]) {
    merged[key] = { ...base[key], ...(overrides[key] || {}) };
  }
  return merged;
}

function readJsonc(file) {
  // The generated files carry one header comment line; the rest is plain JSON.
  const text = fs.readFileSync(file, "utf8").split("\n").filter((l) => !l.startsWith("//")).join("\n");
  return JSON.parse(text);
}

test("splitCommand handles plain, module and quoted commands", () => {
  assert.deepEqual(logic.splitCommand("debugkit"), ["debugkit"]);
  assert.deepEqual(logic.splitCommand("python -m debugkit"), ["python", "-m", "debugkit"]);
  assert.deepEqual(logic.splitCommand('"C:\\My Tools\\debugkit.exe" --verbose'), ["C:\\My Tools\\debugkit.exe", "--verbose"]);
  assert.throws(() => logic.splitCommand("  "), /debugkit\.command is empty/);
});

test("cliCall builds the CLI calls the commands run", () => {
  const s = { command: "python -m debugkit", runtime: "docker" };
  assert.deepEqual(logic.cliCall(s, "up", "/w/p"), {
    command: "python",
    args: ["-m", "debugkit", "up", "/w/p", "--runtime", "docker"],
  });
  assert.deepEqual(logic.cliCall({ runtime: "auto" }, "up", "/w/p").args, ["up", "/w/p"]);
  assert.deepEqual(logic.cliCall({}, "down", "/w/p"), { command: "debugkit", args: ["down", "/w/p"] });
  assert.deepEqual(logic.cliCall({}, "lsp").args, ["lsp"]);
  assert.deepEqual(logic.cliCall({}, "replay", "/w/p").args, ["replay", "/w/p", "--last-failed"]);
  assert.deepEqual(logic.cliCall({}, "attach-config", "/w/p", "/w").args, [
    "vscode", "attach-config", "/w/p", "--workspace", "/w",
  ]);
});

test("projectDir resolves the setting against the workspace folder", () => {
  assert.equal(logic.projectDir("/w", undefined), path.resolve("/w"));
  assert.equal(logic.projectDir("/w", "${workspaceFolder}/models/churn"), path.resolve("/w/models/churn"));
  assert.equal(logic.projectDir("/w", "models/churn"), path.resolve("/w/models/churn"));
  assert.equal(logic.projectDir("/w", "/elsewhere/p"), path.resolve("/elsewhere/p"));
});

test("substitute replaces workspace variables deeply", () => {
  const config = { pathMappings: [{ localRoot: "${workspaceFolder}/src", remoteRoot: "/var/azureml-app" }], port: 5678 };
  assert.deepEqual(logic.substitute(config, "/w"), {
    pathMappings: [{ localRoot: "/w/src", remoteRoot: "/var/azureml-app" }],
    port: 5678,
  });
});

test("attach picks the launch.json configuration that matches the runtime", () => {
  const configs = [{ name: "Python: train" }, { name: logic.ATTACH_CONTAINER }, { name: logic.ATTACH_PROCESS }];
  assert.equal(logic.attachConfigurationName(configs, "docker"), logic.ATTACH_CONTAINER);
  assert.equal(logic.attachConfigurationName(configs, "process"), logic.ATTACH_PROCESS);
  assert.equal(logic.attachConfigurationName([{ name: "Python: train" }], "docker"), undefined);
  assert.equal(logic.upTaskLabel("process"), logic.TASK_UP_PROCESS);
  assert.equal(logic.upTaskLabel("docker"), logic.TASK_UP);
});

test("parseAttachConfig accepts debugkit's output and rejects the rest", () => {
  const good = JSON.stringify({ type: "debugpy", request: "attach", connect: { host: "127.0.0.1", port: 5678 } });
  assert.equal(logic.parseAttachConfig(good).connect.port, 5678);
  assert.throws(() => logic.parseAttachConfig("debugkit: error: nothing is running"), /no JSON/);
  assert.throws(() => logic.parseAttachConfig('{"request": "launch"}'), /incomplete/);
});

test("the contributed problem matchers are the ones tasks.json carries", () => {
  const tasks = readJsonc(path.join(__dirname, "..", "..", "tasks.json")).tasks;
  const byName = Object.fromEntries(manifest.contributes.problemMatchers.map((m) => [m.name, m]));
  const strip = ({ name, ...rest }) => rest;
  assert.deepEqual(strip(byName.debugkit), tasks.find((t) => t.label === logic.TASK_UP).problemMatcher);
  assert.deepEqual(strip(byName["debugkit-lint"]), tasks.find((t) => t.label === "debugkit: lint").problemMatcher);
});

test("launch.json names the configurations and tasks the extension looks for", () => {
  const launch = readJsonc(path.join(__dirname, "..", "..", "launch.json"));
  const names = launch.configurations.map((c) => c.name);
  assert.ok(names.includes(logic.ATTACH_CONTAINER) && names.includes(logic.ATTACH_PROCESS));
  const container = launch.configurations.find((c) => c.name === logic.ATTACH_CONTAINER);
  assert.equal(container.preLaunchTask, logic.TASK_UP);
  assert.equal(container.pathMappings[0].remoteRoot, "/var/azureml-app");
});

test("activate registers every contributed command and starts `debugkit lsp` for Python files", async () => {
  const registered = [];
  let started;
  const fakeVscode = baseVscode({
    workspace: { getConfiguration: () => ({ get: (key, fallback) => (key === "command" ? process.execPath + " -m debugkit" : fallback) }) },
    commands: { registerCommand: (id) => registered.push(id) && { dispose() {} } },
  });
  class FakeLanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      started = { id, serverOptions, clientOptions };
    }
    start() {
      return Promise.resolve();
    }
    stop() {}
  }
  const originalLoad = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return fakeVscode;
    if (request === "vscode-languageclient/node") return { LanguageClient: FakeLanguageClient };
    return originalLoad.call(this, request, ...rest);
  };
  try {
    delete require.cache[require.resolve("../src/extension")];
    const extension = require("../src/extension");
    await extension.activate({ subscriptions: [] });
  } finally {
    Module._load = originalLoad;
  }
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(registered.sort(), contributed);
  assert.deepEqual(started.serverOptions, { command: process.execPath, args: ["-m", "debugkit", "lsp"] });
  assert.deepEqual(started.clientOptions.documentSelector, [{ scheme: "file", language: "python" }]);
  // settings.json changes reach the server without a reload
  assert.equal(started.clientOptions.synchronize.configurationSection, "debugkit");
  const settings = Object.keys(manifest.contributes.configuration.properties);
  for (const key of ["debugkit.command", "debugkit.projectDir", "debugkit.runtime", "debugkit.lsp.enabled"]) {
    assert.ok(settings.includes(key), key);
  }
});

function loadExtension(fakeVscode) {
  const originalLoad = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return fakeVscode;
    if (request === "vscode-languageclient/node") return { LanguageClient: class { start() { return Promise.resolve(); } stop() {} } };
    return originalLoad.call(this, request, ...rest);
  };
  try {
    delete require.cache[require.resolve("../src/extension")];
    return require("../src/extension");
  } finally {
    Module._load = originalLoad;
  }
}

test("Up without a tasks.json runs `debugkit up` as a background task with the $debugkit matcher", async () => {
  const commands = {};
  const executed = [];
  const folder = { uri: { fsPath: "/w" }, name: "w" };
  class Task {
    constructor(definition, scope, name, source, execution, matchers) {
      Object.assign(this, { definition, scope, name, source, execution, matchers });
    }
  }
  class ProcessExecution {
    constructor(command, args, options) {
      Object.assign(this, { command, args, options });
    }
  }
  const settings = { command: "debugkit", projectDir: "${workspaceFolder}/models/churn", runtime: "docker", "lsp.enabled": false };
  const extension = loadExtension(baseVscode({
    window: { showErrorMessage: (m) => { throw new Error(m); } },
    workspace: { getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }), workspaceFolders: [folder] },
    commands: { registerCommand: (id, fn) => { commands[id] = fn; return { dispose() {} }; } },
    tasks: { fetchTasks: async () => [], executeTask: async (task) => executed.push(task) },
    Task,
    ProcessExecution,
  }));
  await extension.activate({ subscriptions: [] });
  await commands["debugkit.up"]();
  assert.equal(executed.length, 1);
  const [task] = executed;
  assert.equal(task.name, logic.TASK_UP);
  assert.equal(task.isBackground, true);
  assert.equal(task.matchers, "$debugkit");
  assert.equal(task.execution.command, "debugkit");
  assert.deepEqual(task.execution.args, ["up", path.resolve("/w/models/churn"), "--runtime", "docker"]);
});

test("a command that cannot run gives one message naming it and the setting", async () => {
  const messages = [];
  let constructed = false;
  const fakeVscode = baseVscode({
    window: { showErrorMessage: (m) => messages.push(m) && Promise.resolve(undefined), showWarningMessage: (m) => messages.push(m) },
    workspace: { getConfiguration: () => ({ get: (key, fallback) => (key === "command" ? "/nonexistent/debugkit" : fallback) }) },
  });
  const originalLoad = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return fakeVscode;
    if (request === "vscode-languageclient/node") return { LanguageClient: class { constructor() { constructed = true; } } };
    return originalLoad.call(this, request, ...rest);
  };
  try {
    delete require.cache[require.resolve("../src/extension")];
    await require("../src/extension").activate({ subscriptions: [] });
  } finally {
    Module._load = originalLoad;
  }
  assert.equal(constructed, false);
  assert.equal(messages.length, 1);
  assert.match(messages[0], /`\/nonexistent\/debugkit lsp`/);
  assert.match(messages[0], /debugkit\.command/);
  assert.doesNotMatch(messages[0], /undefined/);
});

test("failureReason never says undefined", () => {
  assert.match(logic.failureReason(undefined), /exited before it answered/);
  assert.match(logic.failureReason(new Error("spawn x ENOENT")), /spawn x ENOENT/);
  assert.match(logic.failureReason({}), /exited before it answered/);
});

test("findProgram looks on PATH and at paths", () => {
  const exists = (f) => f === "/venv/bin/debugkit" || f === "/usr/bin/python3";
  assert.equal(logic.findProgram("debugkit", { PATH: "/usr/bin:/venv/bin" }, "linux", exists), "/venv/bin/debugkit");
  assert.equal(logic.findProgram("/usr/bin/python3", { PATH: "" }, "linux", exists), "/usr/bin/python3");
  assert.equal(logic.findProgram("debugkit", { PATH: "/usr/bin" }, "linux", exists), undefined);
});

test("attachChoice uses the debugkit type without the Python Debugger extension", () => {
  const container = { name: logic.ATTACH_CONTAINER, type: "debugpy", connect: { port: 5678 } };
  const builtin = { name: logic.ATTACH_CONTAINER_BUILTIN, type: "debugkit", connect: { port: 5678 } };
  const processConfig = { name: logic.ATTACH_PROCESS, type: "debugpy", connect: { port: 5678 } };
  const all = [container, builtin, processConfig];
  assert.deepEqual(logic.attachChoice(all, "docker", true), { name: logic.ATTACH_CONTAINER });
  assert.deepEqual(logic.attachChoice(all, "docker", false), { name: logic.ATTACH_CONTAINER_BUILTIN });
  assert.deepEqual(logic.attachChoice(all, "process", false), { configuration: { ...processConfig, type: "debugkit" } });
  assert.equal(logic.attachChoice([], "docker", false), undefined);
});

test("adapterAddress reads connect and refuses a configuration without a port", () => {
  assert.deepEqual(logic.adapterAddress({ connect: { host: "127.0.0.1", port: 5679 } }), { host: "127.0.0.1", port: 5679 });
  assert.deepEqual(logic.adapterAddress({ connect: { port: "5678" } }), { host: "127.0.0.1", port: 5678 });
  assert.throws(() => logic.adapterAddress({ name: "x" }), /connect\.port/);
});

test("the debugkit debug type is declared with Python breakpoints and the debugpy attach arguments", () => {
  const debuggers = manifest.contributes.debuggers;
  const own = debuggers.find((d) => d.type === logic.DEBUG_TYPE_BUILTIN);
  assert.ok(own);
  const properties = own.configurationAttributes.attach.properties;
  for (const key of ["connect", "pathMappings", "justMyCode"]) {
    assert.ok(properties[key], key);
  }
  assert.deepEqual(manifest.contributes.breakpoints, [{ language: "python" }]);
  assert.ok(manifest.activationEvents.includes("onDebugResolve:debugkit"));
  const launch = readJsonc(path.join(__dirname, "..", "..", "launch.json"));
  const builtin = launch.configurations.find((c) => c.name === logic.ATTACH_CONTAINER_BUILTIN);
  const container = launch.configurations.find((c) => c.name === logic.ATTACH_CONTAINER);
  assert.deepEqual({ ...builtin, name: "", type: "" }, { ...container, name: "", type: "" });
});

test("statusView shows state, generation, debugger and the last error", () => {
  assert.match(logic.statusView(undefined).text, /debugkit: stopped/);
  const ready = logic.statusView({ state: "ready", generation: 3, debugger: { port: 5678, attached: true } });
  assert.match(ready.text, /ready · gen 3 · debugger attached/);
  assert.equal(ready.error, false);
  const failed = logic.statusView({
    state: "ready",
    generation: 3,
    last_reload: { ok: false, error: { type: "SyntaxError", message: "invalid syntax", file: "score.py", line: 4 } },
  });
  assert.match(failed.text, /last error: score\.py:4 SyntaxError: invalid syntax/);
  assert.equal(failed.error, true);
});

test("reloadLines reports each new reload once", () => {
  const before = { url: "u", reloads: 1, last_reload: { ok: true, generation: 2, duration_ms: 40 } };
  const after = { url: "u", reloads: 2, last_reload: { ok: true, generation: 3, duration_ms: 41.5 } };
  assert.deepEqual(logic.reloadLines(before, after), ["reload ✓ generation 3 in 41.5 ms"]);
  assert.deepEqual(logic.reloadLines(after, after), []);
  const failed = { url: "u", reloads: 3, last_reload: { ok: false, error: { type: "NameError", message: "x" } } };
  assert.match(logic.reloadLines(after, failed)[0], /reload ✗ not reloaded: NameError: x/);
});
