"""Generators make well-posed variants: the intended route really wins, no accidental ties, and answers in
another notation are accepted while impostor objects are not."""

from __future__ import annotations

import netaddr
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.exercises import ASSIGNMENTS, load
from workbook.exercises.core import AnswerError, Exercise, canonical, plain

students = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


def engine(ex: Exercise, name: str):
    """What the engine answers for this variant (a code question: the reference function)."""
    question = ex.question(name)
    if question.kind == "code":
        return lambda *args: question.solve(ex.variant, *args)
    return question.expected(ex.variant)


@settings(max_examples=60, deadline=None)
@given(students)
def test_route_lookup_variants_are_well_posed(student: str) -> None:
    ex = load("01_route_lookup", student)
    v, table = ex.variant, ex.variant.table
    expected_prefix = {"subnet_destination": 16, "network_destination": 8, "host_destination": 32,
                       "supernet_destination": 22, "onlink_destination": 24}
    for attribute, prefixlen in expected_prefix.items():
        destination = getattr(v, attribute)
        decision = table.lookup(destination, strategy="longest-prefix")
        assert decision.route.prefixlen == prefixlen, (attribute, decision.explain())
        matching = table.matching(destination)
        assert sum(r.prefixlen == prefixlen for r in matching) == 1  # no tie at the winning length
    classic = table.lookup(v.supernet_destination, strategy="classic")
    assert classic.route.prefixlen == 0  # the question is about exactly this disagreement
    gateways = [str(r.gateway) for r in table if r.gateway is not None]
    assert len(set(gateways)) == len(gateways)  # each answer names one route
    assert len(set(v.choices)) == 4


@settings(max_examples=40, deadline=None)
@given(students)
def test_source_address_variants_are_well_posed(student: str) -> None:
    v = load("02_source_address", student).variant
    addresses = v.addresses()
    subnets = [netaddr.IPNetwork(nic["addresses"][0]).cidr for nic in v.config["interfaces"]]
    assert 2 <= len(subnets) == len(set(subnets)) <= 3
    assert sum("gateway" in nic for nic in v.config["interfaces"]) == 1  # one default gateway
    others = [netaddr.IPNetwork(v.routed_network), netaddr.IPNetwork(v.disjoint_network)]
    assert all(a not in b and b not in a for a in subnets + others for b in subnets + others if a is not b)
    weak = v.host(v.weak_personality).route_get(v.weak_destination, source=v.weak_bound)
    assert weak.leaves_with_foreign_source
    assert weak.interface != next(n for n, a in addresses.items() if a == v.weak_bound)  # the card is not the bound one
    assert str(weak.source) == v.weak_bound != addresses[weak.interface]  # ...and the source is not the card's
    strong = v.host("windows").route_get(v.strong_destination, source=v.strong_bound)
    assert strong.interface != v.host("nt4").route_get(v.strong_destination, source=v.strong_bound).interface
    owner = None if v.firewall_bound is None else next(n for n, a in addresses.items() if a == v.firewall_bound)
    assert v.firewall_drops() == (owner not in (None, v.gateway_nic))
    inside = str(netaddr.IPNetwork(v.disjoint_network).network + 5)
    assert v.host("nt4").route_get(inside).interface == v.gateway_nic  # the route is really missing
    router_nics = [nic["name"] for nic in v.config["interfaces"]
                   if netaddr.IPAddress(v.disjoint_router) in netaddr.IPNetwork(nic["addresses"][0])]
    assert len(router_nics) == 1 and router_nics[0] != v.gateway_nic
    assert len(set(v.choices)) == 4


def test_a_route_command_is_graded_by_what_route_get_then_answers() -> None:
    ex = load("02_source_address", "alice")
    v = ex.variant
    network = netaddr.IPNetwork(v.disjoint_network)
    for right in (f"add {network} {v.disjoint_router}", f"route -p ADD {network.network} MASK {network.netmask} "
                  f"{v.disjoint_router}", ["add", str(network), v.disjoint_router]):
        assert ex.check("q6", right).ok, right
    too_wide = ex.check("q6", f"add 10.0.0.0/8 {v.disjoint_router}")
    assert not too_wide.ok and "too much" in too_wide.message
    assert not ex.check("q6", f"add {network} {v.server}").ok
    assert ex.check("q3", None).ok == (engine(ex, "q3") is None)


@settings(max_examples=60, deadline=None)
@given(students)
def test_cidr_variants_are_well_posed(student: str) -> None:
    from workbook.net.cidr import aggregate, check_supernet, covering_prefix

    v = load("03_cidr", student).variant
    assert 3 <= len(v.networks) == len(set(v.networks)) <= 6
    assert all(netaddr.IPNetwork(n).prefixlen == 24 for n in v.networks)
    assert not covering_prefix(list(v.networks)).exact  # q1 and q2 differ: one prefix would add space
    assert 2 <= len(aggregate(list(v.networks)).prefixes) < len(v.networks)  # and something merges
    assert v.extra_addresses > 0
    verdicts = [check_supernet(*claim).valid for claim in v.claims]
    assert verdicts.count(False) == 1 and "ABCD"[verdicts.index(False)] == v.invalid_claim
    block = netaddr.IPNetwork(v.block)
    assert block.size == 256 * v.block_count and str(block.ip) == v.block_start and check_supernet(v.block).valid


@settings(max_examples=25, deadline=None)
@given(students)
def test_duplicate_address_variants_are_well_posed(student: str) -> None:
    v = load("04_duplicate_addresses", student).variant
    names = [v.defender, v.newcomer, *v.bystanders]
    assert len(set(names)) == len(names) == len(v.macs) and v.bystander in v.bystanders
    assert len(set(v.macs.values())) == len(names)  # every card its own MAC
    assert v.addresses[v.newcomer] == v.addresses[v.defender] == v.address
    assert len({v.addresses[n] for n in names}) == len(names) - 1  # the one duplicate, no other
    assert all(netaddr.IPAddress(a) in netaddr.IPNetwork(v.subnet) for a in v.addresses.values())
    mac = {name: str(netaddr.EUI(m)) for name, m in v.macs.items()}
    # The simulator tells the stories the questions are about.
    assert v.disabled("nt") == v.newcomer and v.loggers("nt") == tuple(sorted([v.defender, v.newcomer]))
    assert v.cached_mac("nt") == mac[v.defender]  # the defender's re-ARP set the bystander right
    assert v.loggers("rfc5227") == (v.newcomer,)
    assert v.disabled("nt", late=True) is None and v.cached_mac("nt", late=True) == mac[v.newcomer]
    assert v.loggers("nt", late=True) == (v.defender,)  # q5: late, only the defender notices
    assert len(set(v.choices)) == 4


@settings(max_examples=25, deadline=None)
@given(students)
def test_multicast_variants_are_well_posed(student: str) -> None:
    from workbook.net.multicast import group_scope, groups_sharing_mac

    v = load("05_multicast", student).variant
    assert group_scope(v.group) != "link-local" and len(groups_sharing_mac(v.group)) == 32
    assert netaddr.IPAddress(v.scope_group).is_multicast()
    assert netaddr.IPAddress(v.group).is_multicast()
    # The simulator's frames are the stories the questions tell: v1 reports twice and leaves silently,
    # v2 reports twice and says goodbye to the all-routers group, every message with TTL 1.
    assert v.sequence(1) == ("report", "report") and v.sequence(2) == ("report", "report", "leave")
    frames = v.igmp_frames(1) + v.igmp_frames(2)
    assert all(f.ip.ttl == 1 for f in frames)
    assert [str(f.ip.dst) for f in v.igmp_frames(2)] == [v.group, v.group, "224.0.0.2"]


def test_multicast_answers_in_other_notations() -> None:
    ex = load("05_multicast", "alice")
    mac = engine(ex, "q1")
    assert ex.check("q1", mac.replace("-", ":").lower()).ok and ex.check("q1", mac).ok
    assert ex.check("q4", ["V1_MEMBERSHIP_REPORT", "v1_membership_report"]).ok
    assert ex.check("q5", "report, report, leave").ok and not ex.check("q5", ["report", "leave"]).ok
    sharing = ex.check("q2", ex.variant.group)
    assert not sharing.ok and "different" in sharing.message


@settings(max_examples=30, deadline=None)
@given(students)
def test_every_engine_answer_is_right_for_any_student(student: str) -> None:
    for assignment in ASSIGNMENTS:
        ex = load(assignment, student)
        for question in ex.questions:
            if question.key:  # the key is in the instructor's hidden test: the check can only hint
                feedback = ex.check(question.name, "A")
                assert feedback.status == "recorded" and "Hint" in feedback.message, feedback
                continue
            assert ex.check(question.name, engine(ex, question.name)).ok, question.name


def test_variants_differ_between_students_and_repeat_for_one() -> None:
    a, b = load("01_route_lookup", "alice"), load("01_route_lookup", "bob")
    assert a.variant.table != b.variant.table
    assert load("01_route_lookup", "alice").variant.table == a.variant.table


def test_other_notations_are_the_same_answer() -> None:
    ex = load("01_route_lookup", "alice")
    right = engine(ex, "q1")
    assert ex.check("q1", right).ok and ex.check("q1", netaddr.IPAddress(right)).ok
    assert ex.check("q1", f"  {right} ").ok and ex.check("q1", int(netaddr.IPAddress(right))).ok
    assert canonical("mac", "01:00:5e:7f:ff:fa") == canonical("mac", "01-00-5E-7F-FF-FA")
    assert canonical("network", "192.168.4.0/255.255.252.0") == canonical("network", ("192.168.4.0", 22))


def test_impostors_are_no_answer() -> None:
    class Always(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    ex = load("01_route_lookup", "alice")
    feedback = ex.check("q1", Always("x"))
    assert not feedback.ok and feedback.status == "not readable"
    try:
        plain(Always("1.2.3.4"))
    except AnswerError as error:
        assert "not a Always" in str(error)
    assert ex.check("q1", ...).status == "no answer"


def test_a_wrong_answer_gets_a_hint_from_the_engine() -> None:
    ex = load("01_route_lookup", "alice")
    feedback = ex.check("q5", engine(ex, "q4"))  # the classic answer where longest prefix was asked
    assert not feedback.ok and "longer prefix" in feedback.message
    feedback = ex.check("q4", engine(ex, "q5"))
    assert "classic" in feedback.message


@settings(max_examples=12, deadline=None)
@given(students)
def test_rip_variants_are_well_posed(student: str) -> None:
    from workbook.exercises.ch06_routers_that_learn import counting_by_hand, shortest

    v = load("06_routers_that_learn", student).variant
    costs = {(a, b): c for a, b, c in v.costs}
    for router in range(1, v.count + 1):  # every router's converged table, against Dijkstra
        reference = shortest(v.count, v.ring, costs, router)
        for lan in range(1, v.count + 1):
            if lan != router:
                assert v.metric(router, lan) == reference[lan][0], (router, lan)
    simple, poison, off = v.lans("simple"), v.lans("poison-reverse"), v.lans("off")
    assert set(simple) < set(poison) == set(off)  # split horizon leaves out what poison reverse sends at 16
    assert {p for p, m in poison.items() if m == 16} == set(off) - set(simple)
    assert v.counting()[0] == 16 and v.counting()[1:-1] == counting_by_hand(*v.counting_costs)
    relayed = v.relayed_discover().bootp
    lan = netaddr.IPNetwork(v.lan)
    assert str(relayed.giaddr) == str(lan.network + v.relay_host) and relayed.hops == 1
    leased = v.relay_network().host("pc").interfaces[0].addresses
    assert leased and leased[0].ip in lan  # the server chose the pool of the giaddr's subnet


def test_rip_update_answers_in_other_notations() -> None:
    ex = load("06_routers_that_learn", "alice")
    right = engine(ex, "q3")
    assert ex.check("q3", list(reversed(right))).ok and ex.check("q3", ", ".join(right)).ok
    assert canonical("metrics", {"10.0.3.0/24": 2}) == canonical("metrics", [("10.0.3.0/255.255.255.0", "2")])
    wrong = ex.check("q8", lambda table, interface, rule: {p: m for p, m, _, _ in table})
    assert not wrong.ok and ("split horizon" in wrong.message or "poison" in wrong.message)
