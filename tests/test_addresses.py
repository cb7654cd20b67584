from __future__ import annotations

import ipaddress

import pytest

from savevid.safety.addresses import Exemption, embedded_ipv4, is_public, parse_exemptions


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.0.10",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "224.0.0.1",
        "240.0.0.1",
        "192.0.0.8",
        "198.18.0.1",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",  # IPv4-mapped
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::7f00:1",  # NAT64 of metadata and loopback
        "2002:7f00:1::1",
        "2002:a00:1::",  # 6to4 of loopback and 10/8
        "64:ff9b:1::1",
        "2001:db8::1",
    ],
)
def test_private_and_special_addresses_are_refused(text: str) -> None:
    assert not is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize(
    "text", ["1.1.1.1", "8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8",
             "64:ff9b::808:808", "2002:808:808::1"],
)  # fmt: skip
def test_public_addresses_are_allowed(text: str) -> None:
    assert is_public(ipaddress.ip_address(text))


def test_embedded_ipv4_forms() -> None:
    assert str(embedded_ipv4(ipaddress.ip_address("::ffff:1.2.3.4"))) == "1.2.3.4"
    assert str(embedded_ipv4(ipaddress.ip_address("64:ff9b::102:304"))) == "1.2.3.4"
    assert str(embedded_ipv4(ipaddress.ip_address("2002:102:304::"))) == "1.2.3.4"
    assert embedded_ipv4(ipaddress.ip_address("1.2.3.4")) is None


def test_exemptions_parse_hosts_addresses_networks_and_ports() -> None:
    parsed = parse_exemptions("media.LAN, 10.0.0.5:8096, 192.168.1.0/24, [fd00::1]:443, ::1")
    assert parsed == [
        Exemption(host="media.lan"),
        Exemption(network=ipaddress.ip_network("10.0.0.5/32"), port=8096),
        Exemption(network=ipaddress.ip_network("192.168.1.0/24")),
        Exemption(network=ipaddress.ip_network("fd00::1/128"), port=443),
        Exemption(network=ipaddress.ip_network("::1/128")),
    ]
    address = ipaddress.ip_address("10.0.0.5")
    assert parsed[1].covers("anything", address, 8096)
    assert not parsed[1].covers("anything", address, 80)
    assert parsed[0].covers("Media.lan.", ipaddress.ip_address("10.9.9.9"), 80)
    assert parsed[2].covers("x", ipaddress.ip_address("192.168.1.77"), 443)


@pytest.mark.parametrize("text", ["bad host", "10.0.0.1:99999", "a/b/c", "host:port"])
def test_bad_exemptions_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_exemptions(text)
