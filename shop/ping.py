"""A constant DRF answer: the API's liveness probe and the benchmarks' ceiling."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class PingView(APIView):
    authentication_classes = []
    permission_classes = []

    @extend_schema(
        responses=inline_serializer("Ping", fields={"status": serializers.CharField()}),
        summary="The API answers",
    )
    def get(self, request):
        return Response({"status": "ok"})
