// @vitest-environment happy-dom
// The Policy view as a user works it: the image list and command list editors (adding, removing, the
// checker's messages) and the locked state, against the demo engine through the real contract client.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImageEntry } from '../../../electron/core/contract/policy-check.js';
import { demoPaneClient } from '../../../test/fixtures/pane-client.js';
import { App } from '../app/App.js';
import { ContractProvider } from '../app/contract-context.js';

afterEach(cleanup);

async function openPolicy(options: { locked?: string } = {}) {
  const { engine, client } = demoPaneClient({ seed: true });
  if (options.locked) engine.setLocked(options.locked);
  render(
    <ContractProvider client={client} connected>
      <App />
    </ContractProvider>,
  );
  await screen.findByRole('heading', { name: 'Images allowed to mount the socket' });
  return engine;
}

const imageList = () => screen.getByRole('list', { name: 'Allowed images' });
const imageEntries = () =>
  within(imageList())
    .getAllByRole('textbox')
    .map((input) => (input as HTMLInputElement).value);

function addImage(text: string, how: 'button' | 'enter' = 'button') {
  const input = screen.getByRole('textbox', { name: 'New image list entry' });
  fireEvent.change(input, { target: { value: text } });
  if (how === 'enter') fireEvent.keyDown(input, { key: 'Enter' });
  else fireEvent.click(screen.getByRole('button', { name: 'Add image' }));
}

async function addCommand(text: string) {
  fireEvent.change(screen.getByRole('combobox', { name: 'New command name' }), { target: { value: text } });
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add command' }));
  });
}

describe('image list editor', () => {
  it.each(['button', 'enter'] as const)('adds a trimmed entry (%s) and offers to save it', async (how) => {
    await openPolicy();
    addImage('  alpine:3.20 ', how);
    expect(imageEntries()).toEqual(['docker.io/testcontainers/ryuk:*', 'docker:cli', 'alpine:3.20']);
    expect(screen.getByRole('textbox', { name: 'New image list entry' })).toHaveProperty('value', '');
    expect(await screen.findByText('You have unsaved changes.')).toBeTruthy();
    // The engine's checker names what the engine will match.
    expect(await screen.findByText('docker.io/library/alpine:3.20')).toBeTruthy();
  });

  it.each([
    ['an empty name', '   ', 'Type a name first.'],
    ['a name already listed', 'docker:cli', 'docker:cli is already in the list.'],
  ])('refuses %s and says why', async (_what, text, message) => {
    await openPolicy();
    addImage(text);
    expect(screen.getByRole('alert').textContent).toBe(message);
    expect(imageEntries()).toHaveLength(2);
  });

  it.each([
    ['an uppercase repository', 'Alpine:latest'],
    ['an empty tag', 'alpine:'],
    ['a short digest', 'alpine@sha256:abc'],
  ])('marks %s with the checker’s message and will not save', async (_what, text) => {
    const check = checkImageEntry(text);
    if (check.ok) throw new Error(`${text} should be refused`);
    await openPolicy();
    addImage(text);
    const row = within(imageList()).getByRole('textbox', { name: 'Image list entry 3' });
    await waitFor(() => expect(row.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = row.getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(describedBy)?.textContent).toBe(check.error);
    expect(screen.getByText('Fix the marked entries to save.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Save changes' })).toHaveProperty('disabled', true);
  });

  it('names what the engine matches only when it differs from the entry', async () => {
    await openPolicy();
    addImage('docker.io/library/busybox:1.36');
    addImage('busybox:1.36');
    const detail = (n: number) => {
      const row = within(imageList()).getByRole('textbox', { name: `Image list entry ${n}` });
      return document.getElementById(row.getAttribute('aria-describedby') ?? '');
    };
    await waitFor(() => expect(detail(4)?.textContent).toMatch(/^docker\.io\/library\/busybox:1\.36/));
    // The checker has answered for every entry (entry 4's name is there), and entry 3 says nothing more.
    expect(detail(3)?.textContent).toBe('');
  });

  it('warns when * lets every image mount the socket', async () => {
    await openPolicy();
    addImage('*');
    expect(await screen.findByText(/Every image may mount the Docker socket/)).toBeTruthy();
  });

  it('removes an entry, and saving stores the list', async () => {
    const engine = await openPolicy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove docker:cli' }));
    expect(imageEntries()).toEqual(['docker.io/testcontainers/ryuk:*']);
    const save = await screen.findByRole('button', { name: 'Save changes' });
    await waitFor(() => expect(save).toHaveProperty('disabled', false));
    await act(async () => {
      fireEvent.click(save);
    });
    await waitFor(() =>
      expect(engine.state().policy.imageList.images).toEqual(['docker.io/testcontainers/ryuk:*']),
    );
    expect(await screen.findByText(/^Saved\./)).toBeTruthy();
  });
});

describe('command list editor', () => {
  const commands = (name: string) =>
    within(screen.getByRole('list', { name }))
      .getAllByRole('listitem')
      .map((item) => item.querySelector('.mono')?.textContent);

  it('adds a command the engine knows', async () => {
    await openPolicy();
    await addCommand('build');
    await waitFor(() => expect(commands('Blocked commands')).toEqual(['push', 'build']));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it.each([
    ['an empty name', ' ', /Type a name first\./],
    ['a name already listed', 'push', /push is already in the list\./],
    ['a name the engine does not know', 'frobnicate', /frobnicate/],
  ])('refuses %s with a message', async (_what, text, message) => {
    await openPolicy();
    await addCommand(text);
    expect((await screen.findByRole('alert')).textContent).toMatch(message);
    expect(commands('Blocked commands')).toEqual(['push']);
  });

  it('switches between a deny list and an allow list', async () => {
    await openPolicy();
    fireEvent.click(screen.getByRole('radio', { name: 'Allow only the listed commands' }));
    expect(commands('Allowed commands')).toEqual(['push']);
    fireEvent.click(screen.getByRole('button', { name: 'Remove push' }));
    expect(screen.getByText('Every command is blocked.')).toBeTruthy();
  });
});

describe('locked by the admin file', () => {
  const adminFile = '/etc/socket-warden/admin-settings.json';

  function expectNoEditControls() {
    expect(screen.getByRole('heading', { name: 'Managed by your administrator' })).toBeTruthy();
    expect(document.querySelector('code.path')?.textContent).toBe(adminFile);
    for (const name of [/^Add /, /^Remove /, 'Save changes', 'Revert'])
      expect(screen.queryAllByRole('button', { name })).toEqual([]);
    expect(screen.queryByRole('textbox', { name: 'New image list entry' })).toBeNull();
    expect(screen.queryByRole('combobox', { name: 'New command name' })).toBeNull();
    for (const input of within(imageList()).getAllByRole('textbox'))
      expect(input).toHaveProperty('readOnly', true);
    for (const control of [...screen.getAllByRole('radio'), ...screen.getAllByRole('switch')])
      expect(control).toHaveProperty('disabled', true);
  }

  it('breaks the admin file’s path only after a "/"', async () => {
    await openPolicy({ locked: adminFile });
    const path = document.querySelector('code.path');
    if (!path) throw new Error('no admin file path shown');
    expect(path.textContent).toBe(adminFile);
    expect(path.querySelectorAll('wbr')).toHaveLength(adminFile.split('/').length - 1);
    expect(path.innerHTML).not.toMatch(/[^/]<wbr>/);
    // Each name is kept whole (no break at its hyphens): one unbreakable part per name.
    expect([...path.querySelectorAll('.path-part')].map((part) => part.textContent)).toEqual(
      adminFile.split('/'),
    );
  });

  it('shows the policy with no edit controls', async () => {
    await openPolicy({ locked: adminFile });
    expectNoEditControls();
    expect(imageEntries()).toEqual(['docker.io/testcontainers/ryuk:*', 'docker:cli']);
  });

  it('drops an edit in progress when the admin locks the policy', async () => {
    const engine = await openPolicy();
    addImage('alpine:3.20');
    expect(await screen.findByText('You have unsaved changes.')).toBeTruthy();
    act(() => engine.setLocked(adminFile));
    await screen.findByRole('heading', { name: 'Managed by your administrator' });
    expectNoEditControls();
    expect(imageEntries()).toEqual(['docker.io/testcontainers/ryuk:*', 'docker:cli']);
    expect(screen.queryByText('You have unsaved changes.')).toBeNull();
  });
});
