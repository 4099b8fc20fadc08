import { describe, expect, it } from 'vitest';
import { isBulkDownload } from './bulk-download.js';

describe('isBulkDownload', () => {
  const cases: [string, string, boolean][] = [
    // docker save, by the CLI and by the SDKs
    ['GET', '/v1.41/images/get?names=busybox%3Alatest', true],
    ['GET', '/images/get?names=a&names=b', true],
    ['GET', '/v1.45/images/swbench/big:1/get', true],
    ['GET', '/images/127.0.0.1:5000/sw-test/busybox@sha256:abc/get', true],
    ['GET', '/images/sha256:0123/get?platform=linux', true],
    // docker cp out, docker export
    ['GET', '/v1.41/containers/ci/archive?path=%2Ftmp%2Fx', true],
    ['GET', '/containers/0123abcd/export', true],
    // Podman's own API
    ['GET', '/v4.0.0/libpod/images/busybox/get?format=docker-archive', true],
    ['GET', '/libpod/images/export?references=a', true],
    ['GET', '/v4.0.0/libpod/containers/ci/export', true],
    // not a download: other methods, other routes, a lookalike
    ['HEAD', '/v1.41/containers/ci/archive?path=/tmp', false],
    ['PUT', '/v1.41/containers/ci/archive?path=/tmp', false],
    ['GET', '/v1.41/images/json', false],
    ['GET', '/v1.41/images/busybox/json', false],
    ['GET', '/v1.41/containers/ci/logs?follow=1', false],
    ['GET', '/v1.41/containers/json?filters=archive', false],
    ['GET', '/v1.41/containers/ci/archive/more', false],
    ['GET', '/v1.41/images/get/json', false],
    ['GET', '/v1.41/images/busybox/getx', false],
    ['GET', '/events?since=export', false],
  ];
  it.each(cases)('%s %s: %s', (method, target, bulk) => {
    expect(isBulkDownload(method, target)).toBe(bulk);
  });
});
