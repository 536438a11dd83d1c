// VS Code glue: the debugkit language server, commands Up / Down / Reload / Attach, the
// `debugkit` debug type (VS Code's own DAP client straight to debugpy), the status bar item.
"use strict";

const vscode = require("vscode");
const fs = require("fs");
const http = require("http");
const { execFile } = require("child_process");
const { LanguageClient } = require("vscode-languageclient/node");
const logic = require("./logic");

const PYTHON_DEBUGGER = "ms-python.debugpy"; // owns the `debugpy` debug type
const STATUS_POLL_MS = 2000; // the server's /debugkit/status: ~1 ms for it, one local request
const SESSION_POLL_MS = 10000; // `debugkit status --json`: a Python start, ~0.4 s of CPU

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel} */
let output;

function settings() {
  const config = vscode.workspace.getConfiguration("debugkit");
  return {
    command: config.get("command", "debugkit"),
    projectDir: config.get("projectDir", "${workspaceFolder}"),
    runtime: config.get("runtime", "docker"),
    lspEnabled: config.get("lsp.enabled", true),
  };
}

/** The workspace folder of the active editor, else the first one. */
function folder() {
  const editor = vscode.window.activeTextEditor;
  const owner = editor && vscode.workspace.getWorkspaceFolder(editor.document.uri);
  const found = owner || (vscode.workspace.workspaceFolders || [])[0];
  if (!found) {
    throw new Error("open the folder of your score.py first (File > Open Folder)");
  }
  return found;
}

/** Run the debugkit CLI; resolve with stdout, reject with its one-line error. */
function run(call, cwd) {
  return new Promise((resolve, reject) => {
    output.appendLine(`$ ${call.command} ${call.args.join(" ")}`);
    execFile(call.command, call.args, { cwd, timeout: 120000 }, (err, stdout, stderr) => {
      output.append(stdout);
      output.append(stderr);
      if (err) {
        const message = (stderr || stdout || err.message).trim().split("\n").pop();
        reject(new Error(message));
      } else {
        resolve(stdout);
      }
    });
  });
}

function isExecutable(file) {
  try {
    fs.accessSync(file, process.platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch (err) {
    return false;
  }
}

/** One notification naming the command tried and the setting that changes it. */
function reportStartFailure(call, reason) {
  const message = logic.startFailureMessage(call, reason);
  output.appendLine(message);
  vscode.window.showErrorMessage(message, "Open Settings").then((choice) => {
    if (choice) {
      vscode.commands.executeCommand("workbench.action.openSettings", "debugkit.command");
    }
  });
}

async function startLanguageServer(context) {
  const current = settings();
  if (!current.lspEnabled) {
    return;
  }
  let call;
  try {
    call = logic.cliCall(current, "lsp");
  } catch (err) {
    reportStartFailure({ command: String(current.command), args: [] }, err.message);
    return;
  }
  if (!logic.findProgram(call.command, process.env, process.platform, isExecutable)) {
    reportStartFailure(call, `cannot run: ${call.command} is not a program on PATH or a file`);
    return;
  }
  const serverOptions = { command: call.command, args: call.args };
  let failed = false;
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "python" }],
    outputChannel: output,
    // settings.json changes reach the server at once (workspace/didChangeConfiguration)
    synchronize: { configurationSection: "debugkit" },
    // our own message replaces the client's "couldn't create connection" + "closed" pair
    initializationFailedHandler: () => false,
    errorHandler: {
      error: () => ({ action: 2 /* ErrorAction.Shutdown */, handled: true }),
      closed: () => {
        failed = true;
        return { action: 1 /* CloseAction.DoNotRestart */, handled: true };
      },
    },
  };
  client = new LanguageClient("debugkit", "debugkit language server", serverOptions, clientOptions);
  quiet(client);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  try {
    await client.start();
  } catch (err) {
    failed = true;
    reportStartFailure(call, logic.failureReason(err));
  }
  if (failed) {
    client = undefined;
  }
}

/** The language client's own start-failure notifications duplicate ours: log them only. */
function quiet(languageClient) {
  if (typeof languageClient.showNotificationMessage === "function") {
    languageClient.showNotificationMessage = () => undefined;
  }
}

/** Up: the project's "debugkit: up" task if tasks.json has it, else the same task built here. */
async function up() {
  const current = settings();
  const ws = folder();
  const label = logic.upTaskLabel(current.runtime);
  // Up right after Down: the previous up task may still be winding down; VS Code would
  // answer "already active" instead of starting it again
  const ending = (vscode.tasks.taskExecutions || []).find((e) => e.task && e.task.name === label);
  if (ending) {
    await new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      };
      const subscription = vscode.tasks.onDidEndTask((e) => e.execution === ending && done());
      const timer = setTimeout(done, 15000);
    });
  }
  const tasks = await vscode.tasks.fetchTasks();
  let task = tasks.find((t) => t.name === label && t.scope && t.scope.uri && t.scope.uri.fsPath === ws.uri.fsPath);
  if (!task) {
    const call = logic.cliCall(current, "up", logic.projectDir(ws.uri.fsPath, current.projectDir));
    task = new vscode.Task(
      { type: "process", label },
      ws,
      label,
      "debugkit",
      new vscode.ProcessExecution(call.command, call.args, { cwd: ws.uri.fsPath }),
      "$debugkit"
    );
    task.isBackground = true;
  }
  await vscode.tasks.executeTask(task);
}

async function simple(action) {
  const current = settings();
  const ws = folder();
  const call = logic.cliCall(current, action, logic.projectDir(ws.uri.fsPath, current.projectDir));
  const stdout = await run(call, ws.uri.fsPath);
  const last = stdout.trim().split("\n").pop();
  vscode.window.showInformationMessage(last || `debugkit ${action}: done`);
}

function hasPythonDebugger() {
  return Boolean(vscode.extensions && vscode.extensions.getExtension(PYTHON_DEBUGGER));
}

/** Attach: launch.json's configuration if present, else what the running server says. */
async function attach() {
  const current = settings();
  const ws = folder();
  const launch = vscode.workspace.getConfiguration("launch", ws.uri);
  const choice = logic.attachChoice(launch.get("configurations", []), current.runtime, hasPythonDebugger());
  if (choice) {
    return vscode.debug.startDebugging(ws, choice.name || logic.substitute(choice.configuration, ws.uri.fsPath));
  }
  const project = logic.projectDir(ws.uri.fsPath, current.projectDir);
  const stdout = await run(logic.cliCall(current, "attach-config", project, ws.uri.fsPath), ws.uri.fsPath);
  const configuration = logic.parseAttachConfig(stdout);
  return vscode.debug.startDebugging(ws, hasPythonDebugger() ? configuration : logic.asBuiltin(configuration));
}

/** The `debugkit` debug type: VS Code's DAP client talks to debugpy's port directly. */
const adapterFactory = {
  createDebugAdapterDescriptor(session) {
    const address = logic.adapterAddress(session.configuration);
    output.appendLine(`debugkit: attaching to debugpy at ${address.host}:${address.port}`);
    return new vscode.DebugAdapterServer(address.port, address.host);
  },
};

/** Status bar item and reload lines, from the running session. */
class StatusMonitor {
  constructor() {
    this.item = vscode.window.createStatusBarItem("debugkit.status", vscode.StatusBarAlignment.Left, 50);
    this.item.name = "debugkit";
    this.item.command = "debugkit.showOutput";
    this.report = undefined; // the last report shown
    this.url = undefined; // the running server's, from `debugkit status --json`
    this.timers = [];
    this.busy = false;
    this.show(undefined);
    this.item.show();
  }

  start() {
    this.refreshSession();
    for (const [fn, ms] of [[() => this.poll(), STATUS_POLL_MS], [() => this.refreshSession(), SESSION_POLL_MS]]) {
      const timer = setInterval(fn, ms);
      timer.unref?.(); // never what keeps a process alive
      this.timers.push(timer);
    }
  }

  /** Ask the CLI (which knows the session record, the runtime and rebuilds). */
  refreshSession() {
    let ws;
    let call;
    try {
      ws = folder();
      const current = settings();
      call = logic.cliCall(current, "status", logic.projectDir(ws.uri.fsPath, current.projectDir));
    } catch (err) {
      return;
    }
    execFile(call.command, [...call.args, "--json"], { cwd: ws.uri.fsPath, timeout: 30000 }, (err, stdout) => {
      let report;
      try {
        report = JSON.parse(stdout);
      } catch (parseError) {
        return; // debugkit could not run: the language server start says why
      }
      this.url = report.state !== "stopped" && report.url ? report.url : undefined;
      this.show(report);
    });
  }

  /** Between CLI calls, the server's own status route (cheap). */
  poll() {
    if (!this.url || this.busy) {
      return;
    }
    this.busy = true;
    const request = http.get(`${this.url}/debugkit/status`, { timeout: 1500 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => {
        this.busy = false;
        try {
          this.show({ ...JSON.parse(body), url: this.url });
        } catch (err) {
          // not JSON (production mode): keep what the CLI said
        }
      });
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => {
      this.busy = false;
      this.refreshSession(); // gone or restarting: let the CLI say which
    });
  }

  show(report) {
    for (const line of logic.reloadLines(this.report, report)) {
      output.appendLine(`debugkit: ${line}`);
    }
    const view = logic.statusView(report);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.report = report;
  }

  dispose() {
    for (const timer of this.timers) {
      clearInterval(timer);
    }
    this.item.dispose();
  }
}

function command(fn) {
  return async () => {
    try {
      await fn();
    } catch (err) {
      vscode.window.showErrorMessage(`debugkit: ${err.message}`);
    }
  };
}

async function activate(context) {
  output = vscode.window.createOutputChannel("debugkit");
  const monitor = new StatusMonitor();
  const refresh = (fn) => async () => {
    try {
      await fn();
    } finally {
      monitor.refreshSession();
    }
  };
  context.subscriptions.push(
    output,
    monitor,
    vscode.commands.registerCommand("debugkit.up", command(refresh(up))),
    vscode.commands.registerCommand("debugkit.down", command(refresh(() => simple("down")))),
    vscode.commands.registerCommand("debugkit.reload", command(refresh(() => simple("reload")))),
    vscode.commands.registerCommand("debugkit.attach", command(attach)),
    // old and new answers side by side go to the output; the message is the verdict line
    vscode.commands.registerCommand("debugkit.replayLastFailed", command(() => simple("replay"))),
    vscode.commands.registerCommand("debugkit.showOutput", () => output.show(true)),
    vscode.debug.registerDebugAdapterDescriptorFactory(logic.DEBUG_TYPE_BUILTIN, adapterFactory),
    vscode.debug.onDidStartDebugSession(() => setTimeout(() => monitor.poll(), 500)),
    vscode.debug.onDidTerminateDebugSession(() => setTimeout(() => monitor.poll(), 500)),
    vscode.tasks.onDidStartTask(() => setTimeout(() => monitor.refreshSession(), 3000)),
    vscode.tasks.onDidEndTask(() => monitor.refreshSession())
  );
  monitor.start();
  await startLanguageServer(context);
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
