"""Site photos on a chain node (issue 5 part 3: "photos … on a report or node"): the node page shows the
node's photos and an upload form; an upload lands on that node and nowhere else."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.chains.factories import applied
from tuijin.reports.models import SitePhoto


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_node_page_uploads_and_shows_the_nodes_photos(world, client_for):
    chain = applied(world)
    node, other = list(chain.nodes.order_by("pk")[:2])
    client = client_for(world.reporter)
    page = client.get(f"/chains/node/{node.pk}/")
    assert page.status_code == 200
    assert "本节点暂无现场照片" in page.content.decode()
    upload = SimpleUploadedFile("现场.png", _png(), content_type="image/png")
    answer = client.post(
        f"/reports/photos/upload/{chain.project_id}/",
        {
            "file": upload,
            "taken_on": "2024-06-20",
            "caption": "围挡施工",
            "node": node.pk,
            "next": f"/chains/node/{node.pk}/",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == f"/chains/node/{node.pk}/"
    photo = SitePhoto.objects.get()
    assert (photo.node_id, photo.project_id) == (node.pk, chain.project_id)
    html = client.get(f"/chains/node/{node.pk}/").content.decode()
    assert f"/reports/photos/{photo.pk}/?thumb=1" in html and "围挡施工" in html
    assert f"/reports/photos/{photo.pk}/" not in client.get(f"/chains/node/{other.pk}/").content.decode()


def test_node_photos_are_not_shown_to_discipline_viewers(world, client_for):
    chain = applied(world)
    node = chain.nodes.first()
    page = client_for(world.discipline).get(f"/chains/node/{node.pk}/")
    assert "node-photos" not in page.content.decode()
