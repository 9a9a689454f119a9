import { describe, expect, it } from 'vitest';
import { elements, parseXml, serializeChildren, textOf, XmlError } from './xml.js';

describe('parseXml', () => {
  it('resolves namespaces whatever prefixes the client chose, with defaults and redeclarations', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- hi --><a:propfind xmlns:a="DAV:" xmlns="urn:x"><a:prop><foo/><b:bar xmlns:b="urn:y" b:at="1"/></a:prop></a:propfind>',
    );
    expect([root.ns, root.name]).toEqual(['DAV:', 'propfind']);
    const [prop] = elements(root);
    expect(elements(prop!).map((e) => [e.ns, e.name])).toEqual([
      ['urn:x', 'foo'],
      ['urn:y', 'bar'],
    ]);
    expect(elements(prop!)[1]!.attrs).toEqual([{ ns: 'urn:y', name: 'at', value: '1' }]);
  });

  it('decodes references and CDATA, including characters beyond the BMP', () => {
    const root = parseXml('<v>&lt;a&gt; &amp; &#x10000;&#65;<![CDATA[<raw>]]></v>');
    expect(textOf(root)).toBe('<a> & \u{10000}A<raw>');
  });

  it.each([
    ['unclosed', '<a><b></a>'],
    ['mismatched', '<a></b>'],
    ['two roots', '<a/><b/>'],
    ['text outside', 'x<a/>'],
    ['undeclared prefix', '<p:a/>'],
    ['prefix bound to ""', '<a xmlns:p=""/>'],
    ['unknown entity', '<a>&nbsp;</a>'],
    ['bare ampersand', '<a>&</a>'],
    ['doctype', '<!DOCTYPE a [<!ENTITY x "y">]><a/>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['empty', ''],
  ])('refuses %s', (_why, text) => {
    expect(() => parseXml(text)).toThrow(XmlError);
  });

  it('writes children back with their namespaces, so a stored value stands on its own', () => {
    const root = parseXml(
      '<p:prop xmlns:p="urn:p" xmlns:q="urn:q"><q:x q:a="1">t &amp; u</q:x><y/></p:prop>',
    );
    const xml = serializeChildren(root.children);
    expect(xml).toBe('<x xmlns="urn:q" xmlns:a0="urn:q" a0:a="1">t &amp; u</x><y/>');
    const again = parseXml(`<r>${xml}</r>`);
    expect(elements(again).map((e) => [e.ns, e.name])).toEqual([
      ['urn:q', 'x'],
      ['', 'y'],
    ]);
  });
});
