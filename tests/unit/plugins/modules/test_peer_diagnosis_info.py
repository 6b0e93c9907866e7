from ansible_collections.pinfleet.ipfs.plugins.modules.peer_diagnosis_info import holder, listeners

SS = """LISTEN 0 4096 127.0.0.1:9094 0.0.0.0:* users:(("ipfs-cluster-se",pid=2046,fd=18))
LISTEN 0 4096 0.0.0.0:4001 0.0.0.0:* users:(("ipfs",pid=1990,fd=9))
LISTEN 0 4096 [::]:4001 [::]:* users:(("ipfs",pid=1990,fd=10))
LISTEN 0 5 0.0.0.0:9096 0.0.0.0:* users:(("nc",pid=77,fd=3))
"""


def test_listeners_name_the_process_of_each_port():
    assert listeners(SS) == {9094: "ipfs-cluster-se (pid 2046)", 4001: "ipfs (pid 1990)", 9096: "nc (pid 77)"}


def test_a_port_is_the_daemons_when_its_process_is():
    held = listeners(SS)
    assert holder(held, 4001, "ipfs.service", "active") == {"holder": "ipfs (pid 1990)", "ours": True}
    assert holder(held, 9096, "ipfs-cluster.service", "active") == {"holder": "nc (pid 77)", "ours": False}
    assert holder(held, 9095, "ipfs-cluster.service", "active") == {"holder": "", "ours": False}


def test_without_process_names_a_listening_port_is_taken_as_the_running_daemons():
    held = listeners("LISTEN 0 4096 0.0.0.0:9096 0.0.0.0:*\n")
    assert holder(held, 9096, "ipfs-cluster.service", "active") == {"holder": "an unnamed process", "ours": True}
    assert holder(held, 9096, "ipfs-cluster.service", "inactive")["ours"] is False
