"""URLs of the chain page, the node page and the template pages (included by tuijin/chains/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("project/<int:project_id>/", views.project_chain, name="project"),
    path("project/<int:project_id>/apply/", views.apply_template, name="apply"),
    path("project/<int:project_id>/edit/", views.chain_edit, name="chain_edit"),
    path("project/<int:project_id>/confirm/", views.chain_confirm, name="chain_confirm"),
    path("project/<int:project_id>/milestone/", views.milestone_add, name="milestone_add"),
    path("project/<int:project_id>/node/", views.node_add, name="node_add"),
    path("node/<int:pk>/", views.node, name="node"),
    path("node/<int:pk>/replan/", views.node_replan, name="node_replan"),
    path("node/<int:pk>/evidence/", views.node_evidence, name="node_evidence"),
    path("node/<int:pk>/confirm/", views.node_confirm, name="node_confirm"),
    path("node/<int:pk>/remove/", views.node_remove, name="node_remove"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/nodes/new/", views.template_node_save, name="template_node_add"),
    path("templates/<int:pk>/nodes/<int:node_pk>/", views.template_node_save, name="template_node_edit"),
    path(
        "templates/<int:pk>/nodes/<int:node_pk>/remove/",
        views.template_node_remove,
        name="template_node_remove",
    ),
]
