-- What the Neovim scripts of tests/lsp_nvim.rs share: their variables, checks, requests, and
-- how a run starts the composeguard client and ends (exit status 0, or 1 with the reason
-- written to COMPOSEGUARD_ERROR). Loaded with dofile by each script (Neovim 0.7+).

local M = {}

M.bin = assert(os.getenv('COMPOSEGUARD_BIN'), 'COMPOSEGUARD_BIN is not set')
M.file = assert(os.getenv('COMPOSEGUARD_FILE'), 'COMPOSEGUARD_FILE is not set')
M.result_path = assert(os.getenv('COMPOSEGUARD_RESULT'), 'COMPOSEGUARD_RESULT is not set')
M.error_path = assert(os.getenv('COMPOSEGUARD_ERROR'), 'COMPOSEGUARD_ERROR is not set')

function M.write_file(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

function M.check(condition, message, ...)
  if not condition then
    error(string.format(message, ...), 2)
  end
end
local check = M.check

--- The buffer's text as it would be written (with its final newline).
function M.buffer_text(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if vim.api.nvim_buf_get_option(bufnr, 'eol') then
    text = text .. '\n'
  end
  return text
end

function M.sorted_diagnostics(bufnr)
  local diagnostics = vim.diagnostic.get(bufnr)
  table.sort(diagnostics, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return diagnostics
end

--- Waits until the buffer has `count` diagnostics; returns them sorted by position.
function M.wait_diagnostics(bufnr, count, what, timeout)
  local ok = vim.wait(timeout, function()
    return #vim.diagnostic.get(bufnr) == count
  end, 20)
  local diagnostics = M.sorted_diagnostics(bufnr)
  check(ok, '%s: expected %d diagnostics, got %d: %s', what, count, #diagnostics, vim.inspect(diagnostics))
  return diagnostics
end

--- The one response of the composeguard client to a request.
function M.request(bufnr, method, params, timeout)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, timeout)
  check(responses ~= nil, '%s: no response (%s)', method, tostring(err))
  local _, response = next(responses)
  check(response ~= nil, '%s: empty response', method)
  check(response.err == nil and response.error == nil, '%s failed: %s', method, vim.inspect(response))
  return response.result
end

--- Opens COMPOSEGUARD_FILE and attaches `composeguard server` to it. Returns the buffer, its
--- URI, the client id, and a function that stops the server and checks it exited with 0.
function M.start(timeout)
  vim.cmd('edit ' .. vim.fn.fnameescape(M.file))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  local exit_code
  local client_id = vim.lsp.start_client({
    name = 'composeguard',
    cmd = { M.bin, 'server' },
    root_dir = vim.fn.fnamemodify(M.file, ':h'),
    on_exit = function(code)
      exit_code = code
    end,
  })
  check(client_id ~= nil, 'the client did not start')
  check(vim.lsp.buf_attach_client(bufnr, client_id), 'the client did not attach')
  local function stop()
    vim.lsp.stop_client(client_id)
    local stopped = vim.wait(timeout, function()
      return exit_code ~= nil
    end, 20)
    check(stopped, 'the server did not exit')
    check(exit_code == 0, 'server exit status %s', tostring(exit_code))
  end
  return bufnr, uri, client_id, stop
end

--- Runs `main` and quits Neovim: status 0, or 1 with the error in COMPOSEGUARD_ERROR.
function M.run(main)
  local ok, err = xpcall(main, debug.traceback)
  if ok then
    vim.cmd('qall!')
  else
    M.write_file(M.error_path, tostring(err) .. '\n')
    vim.cmd('cquit 1')
  end
end

return M
