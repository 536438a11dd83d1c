// The extension's decisions, free of the `vscode` module so `node --test` can check them.
"use strict";

const path = require("path");

const ATTACH_CONTAINER = "debugkit: attach to scoring container";
const ATTACH_PROCESS = "debugkit: attach to local process";
const ATTACH_CONTAINER_BUILTIN = "debugkit: attach to scoring container (no Python extension)";
const DEBUG_TYPE_BUILTIN = "debugkit";
const DEBUG_TYPE_PYTHON = "debugpy";
const TASK_UP = "debugkit: up";
const TASK_UP_PROCESS = "debugkit: up (local process)";

/**
 * Split a command setting such as `python -m debugkit` or `"C:\\My Tools\\debugkit.exe"`
 * into program and arguments (double or single quotes group words).
 * @param {string} text
 * @returns {string[]}
 */
function splitCommand(text) {
  const words = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let match;
  while ((match = pattern.exec(text || "")) !== null) {
    words.push(match[1] ?? match[2] ?? match[3]);
  }
  if (words.length === 0) {
    throw new Error("the setting debugkit.command is empty; set it to 'debugkit' or the path of the debugkit program");
  }
  return words;
}

/**
 * Replace `${workspaceFolder}` (and `${workspaceFolderBasename}`) in strings, deeply.
 * @template T
 * @param {T} value
 * @param {string} folder
 * @returns {T}
 */
function substitute(value, folder) {
  if (typeof value === "string") {
    return /** @type {any} */ (
      value
        .split("${workspaceFolder}").join(folder)
        .split("${workspaceFolderBasename}").join(path.basename(folder))
    );
  }
  if (Array.isArray(value)) {
    return /** @type {any} */ (value.map((item) => substitute(item, folder)));
  }
  if (value && typeof value === "object") {
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = substitute(item, folder);
    }
    return /** @type {any} */ (out);
  }
  return value;
}

/**
 * The project folder from the `debugkit.projectDir` setting, absolute.
 * @param {string} workspaceFolder
 * @param {string | undefined} setting
 */
function projectDir(workspaceFolder, setting) {
  const raw = substitute(setting && setting.trim() ? setting.trim() : "${workspaceFolder}", workspaceFolder);
  return path.resolve(workspaceFolder, raw);
}

/**
 * Program and arguments of a debugkit CLI call.
 * @param {{command?: string, runtime?: string}} settings
 * @param {"up" | "down" | "reload" | "lsp" | "attach-config"} action
 * @param {string} [project] absolute project folder
 * @param {string} [workspace] absolute workspace folder (attach-config)
 * @returns {{command: string, args: string[]}}
 */
function cliCall(settings, action, project, workspace) {
  const [command, ...prefix] = splitCommand(settings.command || "debugkit");
  let args;
  switch (action) {
    case "lsp":
      args = ["lsp"];
      break;
    case "up": {
      args = ["up", project];
      const runtime = settings.runtime || "docker";
      if (runtime !== "auto") {
        args.push("--runtime", runtime);
      }
      break;
    }
    case "attach-config":
      args = ["vscode", "attach-config", project, "--workspace", workspace || project];
      break;
    case "replay":
      args = ["replay", project, "--last-failed"];
      break;
    default:
      args = [action, project];
  }
  return { command, args: [...prefix, ...args] };
}

/**
 * Which launch.json configuration F5/Attach should use for the runtime, if the project has it.
 * @param {Array<{name?: string}>} configurations launch.json "configurations"
 * @param {string} runtime "docker", "process" or "auto"
 * @returns {string | undefined}
 */
function attachConfigurationName(configurations, runtime) {
  const wanted = runtime === "process" ? ATTACH_PROCESS : ATTACH_CONTAINER;
  const names = (configurations || []).map((c) => c && c.name);
  return names.includes(wanted) ? wanted : undefined;
}

/**
 * What F5/Attach starts: a launch.json configuration by name, or (without ms-python's Python
 * Debugger extension, which owns the `debugpy` type) a copy of it as a `debugkit` one.
 * @param {Array<any>} configurations launch.json "configurations"
 * @param {string} runtime "docker", "process" or "auto"
 * @param {boolean} hasPythonDebugger
 * @returns {{name?: string, configuration?: any} | undefined}
 */
function attachChoice(configurations, runtime, hasPythonDebugger) {
  const name = attachConfigurationName(configurations, runtime);
  if (!name) {
    return undefined;
  }
  if (hasPythonDebugger) {
    return { name };
  }
  const builtin = runtime === "process" ? undefined : ATTACH_CONTAINER_BUILTIN;
  if (builtin && (configurations || []).some((c) => c && c.name === builtin)) {
    return { name: builtin };
  }
  const found = (configurations || []).find((c) => c && c.name === name);
  return { configuration: asBuiltin(found) };
}

/**
 * An attach configuration of the `debugpy` type as the `debugkit` type: same arguments.
 * @param {any} configuration
 */
function asBuiltin(configuration) {
  if (!configuration || configuration.type !== DEBUG_TYPE_PYTHON) {
    return configuration;
  }
  return { ...configuration, type: DEBUG_TYPE_BUILTIN };
}

/**
 * Where the `debugkit` debug type connects: debugpy's port from the configuration's `connect`.
 * @param {any} configuration
 * @returns {{host: string, port: number}}
 */
function adapterAddress(configuration) {
  const connect = (configuration && configuration.connect) || {};
  const port = Number(connect.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `the debug configuration "${(configuration && configuration.name) || "?"}" has no connect.port; ` +
        "run 'debugkit vscode init' to write one"
    );
  }
  return { host: connect.host || "127.0.0.1", port };
}

/**
 * The program a command setting names, if it can be run: a path, or a name found on PATH.
 * @param {string} program
 * @param {{[key: string]: string | undefined}} env
 * @param {string} platform
 * @param {(file: string) => boolean} isExecutable
 * @returns {string | undefined}
 */
function findProgram(program, env, platform, isExecutable) {
  const windows = platform === "win32";
  const extensions = windows ? ["", ...(env.PATHEXT || ".EXE;.CMD;.BAT").split(";")] : [""];
  const candidates = [];
  if (program.includes("/") || (windows && program.includes("\\"))) {
    candidates.push(program);
  } else {
    const separator = windows ? ";" : ":";
    for (const dir of (env.PATH || env.Path || "").split(separator)) {
      if (dir) {
        candidates.push(path.join(dir, program));
      }
    }
  }
  for (const candidate of candidates) {
    for (const extension of extensions) {
      if (isExecutable(candidate + extension)) {
        return candidate + extension;
      }
    }
  }
  return undefined;
}

/**
 * The one notification shown when the language server cannot start.
 * @param {{command: string, args: string[]}} call
 * @param {string} reason
 */
function startFailureMessage(call, reason) {
  const tried = [call.command, ...call.args].join(" ");
  return (
    `debugkit: the language server did not start: \`${tried}\` ${reason}. ` +
    "Set the setting debugkit.command to how debugkit runs on this machine " +
    "(e.g. the debugkit program of your virtual environment, or `python -m debugkit`), " +
    "or install debugkit (pip install debugkit)."
  );
}

/**
 * Why a start failed, from whatever the language client rejected with.
 * @param {unknown} err
 */
function failureReason(err) {
  const text = err && typeof err === "object" ? err.message : err;
  const reason = text === undefined || text === null || String(text).trim() === "" ? "" : String(text).trim();
  return reason ? `failed (${reason.split("\n")[0]})` : "exited before it answered (see Output > debugkit)";
}

/**
 * The status bar item for a `debugkit status --json` report (or the server's own status).
 * @param {any} report
 * @returns {{text: string, tooltip: string, error: boolean}}
 */
function statusView(report) {
  const state = (report && report.state) || "stopped";
  const parts = [`debugkit: ${state}`];
  const tooltip = [`debugkit server: ${state}`];
  if (report && report.generation) {
    parts.push(`gen ${report.generation}`);
    tooltip.push(`generation ${report.generation} of score.py`);
  }
  const debuggerInfo = (report && report.debugger) || {};
  if (debuggerInfo.attached) {
    parts.push("debugger attached");
    tooltip.push(`debugger attached on port ${debuggerInfo.port}`);
  } else if (debuggerInfo.waiting) {
    parts.push("waiting for debugger");
  } else if (debuggerInfo.port) {
    tooltip.push(`debugpy listens on port ${debuggerInfo.port} (F5 attaches)`);
  }
  const error = lastError(report);
  if (error) {
    parts.push(`last error: ${error}`);
    tooltip.push(`last error: ${error}`);
  }
  const icon = error ? "$(error)" : state === "ready" ? "$(server-process)" : "$(circle-slash)";
  return { text: `${icon} ${parts.join(" · ")}`, tooltip: tooltip.join("\n"), error: Boolean(error) };
}

/**
 * The latest error a status report carries, as `TYPE: message` (with file:line when known).
 * @param {any} report
 */
function lastError(report) {
  if (!report) {
    return "";
  }
  const reload = report.last_reload;
  const error = (reload && reload.ok === false && reload.error) || report.last_error;
  if (!error || !error.type) {
    return "";
  }
  const where = error.file && error.line ? `${error.file}:${error.line} ` : "";
  const message = String(error.message || "").split("\n")[0];
  return `${where}${error.type}: ${message}`.slice(0, 200);
}

/**
 * Lines for the output channel when the server reloaded since the previous report.
 * @param {any} previous
 * @param {any} report
 * @returns {string[]}
 */
function reloadLines(previous, report) {
  if (!report || !report.last_reload || report.reloads === undefined) {
    return [];
  }
  if (previous && previous.reloads === report.reloads && previous.url === report.url) {
    return [];
  }
  if (!previous && report.reloads === 0) {
    return [];
  }
  const reload = report.last_reload;
  if (reload.ok) {
    return [`reload ✓ generation ${reload.generation} in ${reload.duration_ms} ms`];
  }
  return [`reload ✗ not reloaded: ${lastError({ last_reload: reload })}; the previous generation serves`];
}

/**
 * The label of the Up task for the runtime.
 * @param {string} runtime
 */
function upTaskLabel(runtime) {
  return runtime === "process" ? TASK_UP_PROCESS : TASK_UP;
}

/**
 * The attach configuration printed by `debugkit vscode attach-config`, checked.
 * @param {string} stdout
 */
function parseAttachConfig(stdout) {
  let config;
  try {
    config = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`debugkit vscode attach-config printed no JSON: ${String(stdout).slice(0, 200)}`);
  }
  if (!config || config.request !== "attach" || !config.connect || !config.connect.port) {
    throw new Error("debugkit vscode attach-config printed an incomplete configuration");
  }
  return config;
}

module.exports = {
  ATTACH_CONTAINER,
  ATTACH_PROCESS,
  ATTACH_CONTAINER_BUILTIN,
  DEBUG_TYPE_BUILTIN,
  DEBUG_TYPE_PYTHON,
  attachChoice,
  asBuiltin,
  adapterAddress,
  findProgram,
  startFailureMessage,
  failureReason,
  statusView,
  lastError,
  reloadLines,
  TASK_UP,
  TASK_UP_PROCESS,
  splitCommand,
  substitute,
  projectDir,
  cliCall,
  attachConfigurationName,
  upTaskLabel,
  parseAttachConfig,
};
