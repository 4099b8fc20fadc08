// The settings pane in Chromium against the real `socket-warden serve --ui`, the stack's engine and
// registry: what a user does in the pane changes what the guarded socket lets through.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { eventually, expect, screenshotDir, test, uniqueName, type Warden } from './serve-fixture.js';

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
  // The same view in the other scheme, so both themes are looked at.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(screenshotDir, `${name}-dark.png`) });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** `docker run --rm -v <engine socket>:/var/run/docker.sock <image> true` through the guarded socket. */
function runWithSocket(warden: Warden, image: string) {
  return warden.docker([
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${warden.stack.dockerSocket}:/var/run/docker.sock`,
    image,
    'true',
  ]);
}

const paneUrl = (warden: Warden, view: string) => `${warden.url}#${view}`;

test('adding an image in the pane lets a previously denied socket mount through', async ({
  page,
  warden,
}) => {
  const image = `${warden.stack.registry}/library/busybox:latest`;
  expect((await warden.engine(['pull', image])).code).toBe(0);

  const denied = await runWithSocket(warden, image);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toContain('docker socket mount denied');

  await page.goto(paneUrl(warden, 'policy'));
  const entry = page.getByRole('textbox', { name: 'New image list entry' });
  await entry.fill(`${warden.stack.registry}/library/busybox:*`);
  await entry.press('Enter');
  // Inline validation: a bad entry is marked with the parser's reason and blocks saving.
  await page.getByRole('textbox', { name: 'New image list entry' }).fill('Bad Name!');
  await page.getByRole('button', { name: 'Add image' }).click();
  const bad = page.getByRole('textbox', { name: 'Image list entry 2' });
  await expect(bad).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('button', { name: 'Save changes' })).toBeDisabled();
  await page.getByRole('button', { name: 'Remove Bad Name!' }).click();
  // A full name is its own normalized name: its row is not marked, and the list may be saved.
  const good = page.getByRole('textbox', { name: 'Image list entry 1' });
  await expect(good).toHaveValue(`${warden.stack.registry}/library/busybox:*`);
  await expect(page.getByRole('button', { name: 'Save changes' })).toBeEnabled();
  await expect(good).not.toHaveAttribute('aria-invalid', 'true');

  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText(/^Saved\./)).toBeVisible();
  await shoot(page, 'policy');

  const allowed = await eventually(async () => (await runWithSocket(warden, image)).code === 0, 60_000);
  expect(allowed, `still denied after saving:\n${(await runWithSocket(warden, image)).stderr}`).toBe(true);

  // A long-running allowed container is listed on the Status view with its filtered socket.
  const name = uniqueName('pane-filtered');
  const started = await warden.docker([
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'none',
    '-v',
    `${warden.stack.dockerSocket}:/var/run/docker.sock`,
    image,
    'sleep',
    '300',
  ]);
  expect(started.code, started.stderr).toBe(0);
  try {
    await page.getByRole('button', { name: 'Status' }).click();
    await expect(page.getByRole('heading', { name: 'Guarded socket' })).toBeVisible();
    await expect(page.getByText(`export DOCKER_HOST=${warden.host}`)).toBeVisible();
    await expect(
      page.getByRole('list', { name: 'Containers with a filtered socket' }).getByText(name),
    ).toBeVisible();
    await shoot(page, 'status');
  } finally {
    await warden.engine(['rm', '-f', name]);
  }
});

test('a denial appears live in the history, with its details', async ({ page, warden }) => {
  await page.goto(paneUrl(warden, 'history'));
  await expect(page.getByText(/No denials yet/)).toBeVisible();

  const denied = await runWithSocket(warden, 'sw-test/busybox:latest');
  expect(denied.code).not.toBe(0);

  const row = page.getByRole('row').filter({ hasText: 'sw-test/busybox' });
  await expect(row).toBeVisible();
  await row.press('Enter');
  const detail = page.getByRole('region', { name: 'Denial details' });
  await expect(detail).toContainText('docker socket mount denied');
  await shoot(page, 'history');

  await page.getByRole('searchbox').fill('no-such-image-anywhere');
  await expect(page.getByText('No denials match.')).toBeVisible();
  await page.getByRole('searchbox').fill('busybox');
  await expect(row).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  expect((await download).suggestedFilename()).toMatch(/^socket-warden-history-.*\.csv$/);
});

test('locking the admin file turns the pane read-only', async ({ page, warden }) => {
  await page.goto(paneUrl(warden, 'policy'));
  const guard = page.getByRole('switch', { name: 'Guard the Docker socket' });
  await expect(guard).toBeEnabled();

  await warden.writeAdmin({
    locked: true,
    value: true,
    dockerSocketMount: {
      imageList: { images: ['docker.io/testcontainers/ryuk:*'] },
      commandList: { type: 'deny', commands: ['push'] },
    },
  });

  await expect(page.getByRole('heading', { name: 'Managed by your administrator' })).toBeVisible({
    timeout: 30_000,
  });
  await expect(page.getByText(warden.adminFile)).toBeVisible();
  await expect(guard).toBeDisabled();
  await expect(page.getByRole('textbox', { name: 'Image list entry 1' })).toHaveValue(
    'docker.io/testcontainers/ryuk:*',
  );
  await expect(page.getByRole('textbox', { name: 'Image list entry 1' })).toHaveAttribute('readonly', '');
  await expect(page.getByRole('button', { name: 'Add image' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  await shoot(page, 'policy-locked');

  await page.getByRole('button', { name: 'History' }).click();
  await expect(page.getByRole('button', { name: 'Clear…' })).toBeDisabled();
});

test('re-pulling a mismatched image makes it allowed again', async ({ page, warden }) => {
  const repo = `${warden.stack.registry}/sw-e2e/${uniqueName('repull')}`;
  const tagged = `${repo}:latest`;
  const build = (label: string) =>
    warden.engine(['build', '-q', '-t', tagged, '-'], {
      input: `FROM sw-test/busybox:latest\nLABEL sw.e2e=${label}\n`,
    });
  const pushDigest = async () => {
    const pushed = await warden.engine(['push', tagged]);
    expect(pushed.code, pushed.stderr).toBe(0);
    return /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1] ?? '';
  };
  try {
    // The registry moves the tag from A to B while the local copy stays A: the spec's "after a restart" case.
    const built = await build('a');
    expect(built.code, built.stderr).toBe(0);
    const imageA = built.stdout.trim();
    await pushDigest();
    expect((await build('b')).code).toBe(0);
    const digestB = await pushDigest();
    expect(digestB).toMatch(/^sha256:/);
    expect((await warden.engine(['tag', imageA, tagged])).code).toBe(0);

    const saved = (await warden.call('updatePolicy', {
      // A tagged entry: the registry's digest for that tag is what the local copy must match.
      imageList: { images: [tagged], allowDerivedImages: false },
      commandList: { type: 'deny', commands: [] },
    })) as { ok: boolean };
    expect(saved.ok).toBe(true);

    const denied = await eventually(
      async () =>
        (await runWithSocket(warden, tagged)).stderr.includes('no longer matches the registry digest'),
      30_000,
    );
    expect(denied).toBe(true);

    await page.goto(paneUrl(warden, 'images'));
    await expect(page.getByRole('heading', { name: tagged })).toBeVisible({ timeout: 30_000 });
    await shoot(page, 'images');
    await page.getByRole('button', { name: `Re-pull ${tagged}` }).click();
    await expect(page.getByRole('status').filter({ hasText: 'now has digest' })).toContainText(digestB, {
      timeout: 60_000,
    });
    await shoot(page, 'images-repulled');

    const allowed = await eventually(async () => (await runWithSocket(warden, tagged)).code === 0, 30_000);
    expect(allowed).toBe(true);
  } finally {
    await warden.engine(['rmi', '-f', tagged]);
  }
});
