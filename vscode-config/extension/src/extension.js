// VS Code glue: the debugkit language server, commands Up / Down / Reload / Attach.
"use strict";

const vscode = require("vscode");
const { execFile } = require("child_process");
const { LanguageClient } = require("vscode-languageclient/node");
const logic = require("./logic");

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

async function startLanguageServer(context) {
  const current = settings();
  if (!current.lspEnabled) {
    return;
  }
  const call = logic.cliCall(current, "lsp");
  const serverOptions = { command: call.command, args: call.args };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "python" }],
    outputChannel: output,
  };
  client = new LanguageClient("debugkit", "debugkit language server", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  try {
    await client.start();
  } catch (err) {
    vscode.window.showWarningMessage(
      `debugkit: the language server did not start (${err.message}); install debugkit or set debugkit.command`
    );
  }
}

/** Up: the project's "debugkit: up" task if tasks.json has it, else the same task built here. */
async function up() {
  const current = settings();
  const ws = folder();
  const label = logic.upTaskLabel(current.runtime);
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

/** Attach: launch.json's configuration if present, else what the running server says. */
async function attach() {
  const current = settings();
  const ws = folder();
  const launch = vscode.workspace.getConfiguration("launch", ws.uri);
  const name = logic.attachConfigurationName(launch.get("configurations", []), current.runtime);
  if (name) {
    return vscode.debug.startDebugging(ws, name);
  }
  const project = logic.projectDir(ws.uri.fsPath, current.projectDir);
  const stdout = await run(logic.cliCall(current, "attach-config", project, ws.uri.fsPath), ws.uri.fsPath);
  return vscode.debug.startDebugging(ws, logic.parseAttachConfig(stdout));
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
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("debugkit.up", command(up)),
    vscode.commands.registerCommand("debugkit.down", command(() => simple("down"))),
    vscode.commands.registerCommand("debugkit.reload", command(() => simple("reload"))),
    vscode.commands.registerCommand("debugkit.attach", command(attach))
  );
  await startLanguageServer(context);
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
